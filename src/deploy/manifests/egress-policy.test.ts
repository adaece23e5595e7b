import { describe, expect, it } from "vitest";
import { BlockList } from "node:net";
import { BLOCKED_IPV4, BLOCKED_IPV6, blockedRanges } from "./egress-policy.ts";
import { RenderInputError } from "./render-input-error.ts";

describe("blockedRanges", () => {
  it("always blocks the special-purpose ranges, and nothing else without cluster ranges", () => {
    expect(blockedRanges([])).toEqual({ ipv4: BLOCKED_IPV4, ipv6: BLOCKED_IPV6 });
  });

  /**
   * Whether an address falls in one of its family's blocked ranges (Node's own CIDR matching;
   * one list per family, since a BlockList matches IPv4 addresses against ::ffff:0:0/96 too).
   */
  function blocked(address: string): boolean {
    const family = address.includes(":") ? "ipv6" : "ipv4";
    const list = new BlockList();
    for (const cidr of blockedRanges([])[family]) {
      const [network = "", prefix = ""] = cidr.split("/");
      list.addSubnet(network, Number(prefix), family);
    }
    return list.check(address, family);
  }

  it.each([
    ["cloud metadata", "169.254.169.254"],
    ["NodeLocal DNS", "169.254.20.10"],
    ["a private address", "10.1.2.3"],
    ["a private address", "172.20.0.1"],
    ["a private address", "192.168.1.1"],
    ["CGNAT", "100.100.100.200"],
    ["loopback", "127.0.0.1"],
    ["this network", "0.0.0.0"],
    ["IETF protocol assignments", "192.0.0.170"],
    ["benchmarking", "198.19.255.1"],
    ["multicast", "239.255.255.250"],
    ["reserved", "240.0.0.1"],
    ["broadcast", "255.255.255.255"],
    ["IPv6 loopback", "::1"],
    ["IPv4-mapped metadata", "::ffff:169.254.169.254"],
    ["NAT64 of a private address", "64:ff9b::a00:1"],
    ["local-use NAT64", "64:ff9b:1::a00:1"],
    ["6to4 of a private address", "2002:a00:1::1"],
    ["unique local", "fd12:3456::1"],
    ["IPv6 link-local", "fe80::1"],
    ["IPv6 multicast", "ff02::1"],
  ])("blocks %s (%s)", (_case, address) => {
    expect(blocked(address)).toBe(true);
  });

  it.each([
    ["a public IPv4 address", "140.82.112.3"],
    ["a public IPv4 address", "8.8.8.8"],
    ["a public IPv6 address", "2606:4700:4700::1111"],
  ])("leaves %s (%s) reachable", (_case, address) => {
    expect(blocked(address)).toBe(false);
  });

  it.each([
    ["an IPv4 cluster range", "10.42.0.0/16", "ipv4"],
    ["a public IPv4 range", "203.0.113.0/24", "ipv4"],
    ["an IPv6 range", "2001:db8::/32", "ipv6"],
    ["a single address", "198.51.100.7/32", "ipv4"],
  ] as const)("adds %s to its family", (_case, cidr, family) => {
    expect(blockedRanges([cidr])[family]).toContain(cidr);
  });

  it("lists a range once", () => {
    expect(
      blockedRanges(["10.0.0.0/8", "10.0.0.0/8"]).ipv4.filter((c) => c === "10.0.0.0/8"),
    ).toHaveLength(1);
  });

  it.each([
    ["no prefix", "10.42.0.0"],
    ["the whole IPv4 space", "0.0.0.0/0"],
    ["the whole IPv6 space", "::/0"],
    ["an IPv4 prefix past 32", "10.0.0.0/33"],
    ["a host name", "example.com/8"],
    ["two slashes", "10.0.0.0/8/8"],
    ["an empty string", ""],
  ])("refuses %s", (_case, cidr) => {
    expect(() => blockedRanges([cidr])).toThrow(RenderInputError);
  });
});
