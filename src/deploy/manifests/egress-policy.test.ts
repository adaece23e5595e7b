import { describe, expect, it } from "vitest";
import { blockedRanges } from "./egress-policy.ts";
import { RenderInputError } from "./render-input-error.ts";

describe("blockedRanges", () => {
  it("always blocks private, CGNAT and link-local ranges, metadata address included", () => {
    expect(blockedRanges([])).toEqual({
      ipv4: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
      ipv6: ["fc00::/7", "fe80::/10"],
    });
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
