import { isIPv4, isIPv6 } from "node:net";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { RenderInputError } from "./render-input-error.ts";

export interface BlockedRanges {
  ipv4: string[];
  ipv6: string[];
}

/** Private, shared, link-local (cloud metadata at 169.254.169.254) and CGNAT ranges. */
const BLOCKED_IPV4 = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
];
/** Unique-local and link-local IPv6. */
const BLOCKED_IPV6 = ["fc00::/7", "fe80::/10"];

/** `address/prefix` with an address of the family and a prefix strictly inside it. */
function cidrFamily(cidr: string): 4 | 6 | undefined {
  const [address = "", prefix = "", ...rest] = cidr.split("/");
  if (rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  if (isIPv4(address) && bits >= 1 && bits <= 32) return 4;
  if (isIPv6(address) && bits >= 1 && bits <= 128) return 6;
  return undefined;
}

/**
 * The ranges internet egress must not reach: private, CGNAT and link-local ones plus the
 * operator's cluster ranges (`extra`), split by family. Throws a {@link RenderInputError} for an
 * entry that is not a CIDR strictly inside its family's whole range.
 */
export function blockedRanges(extra: string[]): BlockedRanges {
  const ipv4 = [...BLOCKED_IPV4];
  const ipv6 = [...BLOCKED_IPV6];
  for (const cidr of extra) {
    const family = cidrFamily(cidr);
    if (family === undefined) {
      throw new RenderInputError(
        "blockedCidrs",
        `${JSON.stringify(cidr)} is not a CIDR such as 10.42.0.0/16 or fd00::/8`,
      );
    }
    const list = family === 4 ? ipv4 : ipv6;
    if (!list.includes(cidr)) list.push(cidr);
  }
  return { ipv4, ipv6 };
}

/**
 * The NetworkPolicy of a branch with `egress: internet`: its pods may reach any public address on
 * any port, on top of the tenant's default deny and DNS allowance.
 */
export function renderEgressPolicy(
  metadata: NonNullable<NetworkPolicy["metadata"]>,
  selector: Record<string, string>,
  blocked: BlockedRanges,
): NetworkPolicy {
  return new NetworkPolicy({
    metadata,
    spec: {
      podSelector: { matchLabels: { ...selector } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: blocked.ipv4 } },
            { ipBlock: { cidr: "::/0", except: blocked.ipv6 } },
          ],
        },
      ],
    },
  });
}
