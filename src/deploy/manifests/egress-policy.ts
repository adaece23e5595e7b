import type { INetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1";
import { isIPv4, isIPv6 } from "node:net";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { RenderInputError } from "./render-input-error.ts";

/**
 * Egress to the cluster's DNS: kube-dns pods (CoreDNS keeps that label) in kube-system, both
 * selectors in one peer so neither alone opens more.
 */
export const DNS_EGRESS: INetworkPolicyEgressRule = {
  to: [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
  ],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

export interface BlockedRanges {
  ipv4: string[];
  ipv6: string[];
}

/**
 * IPv4 ranges that are not the public internet (IANA special-purpose registry, RFC 6890): a pod
 * with internet egress must not reach the node, the cloud's metadata service or anything private
 * through them.
 */
export const BLOCKED_IPV4 = [
  "0.0.0.0/8", // "this network": 0.0.0.0 reaches the local host on Linux
  "10.0.0.0/8", // private
  "100.64.0.0/10", // shared address space (CGNAT)
  "127.0.0.0/8", // loopback
  "169.254.0.0/16", // link-local: cloud metadata at 169.254.169.254, NodeLocal DNS at 169.254.20.10
  "172.16.0.0/12", // private
  "192.0.0.0/24", // IETF protocol assignments
  "192.168.0.0/16", // private
  "198.18.0.0/15", // benchmarking, often used for internal appliances
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, and the limited broadcast address
];

/**
 * IPv6 ranges that are not the public internet, among them those that embed an IPv4 address and
 * would otherwise reach a blocked IPv4 range through a translator or a dual-stack node.
 */
export const BLOCKED_IPV6 = [
  "::1/128", // loopback
  "::ffff:0:0/96", // IPv4-mapped addresses
  "64:ff9b::/96", // NAT64, well-known prefix (any IPv4 address, private ones included)
  "64:ff9b:1::/48", // NAT64, local-use prefix
  "2002::/16", // 6to4 (embeds an IPv4 address)
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "ff00::/8", // multicast
];

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
 * The ranges internet egress must not reach: {@link BLOCKED_IPV4} and {@link BLOCKED_IPV6}
 * (private, CGNAT, loopback, link-local, multicast, reserved, IPv4-embedding IPv6) plus the
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
