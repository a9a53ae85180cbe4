import { describe, expect, it } from "vitest";
import { ipAllowed, parseCidr } from "./ip-ranges.js";

describe("API key IP ranges", () => {
  it("parses IPv4 and IPv6 CIDR and refuses anything else", () => {
    expect(parseCidr("192.0.2.0/24")).toEqual({ address: "192.0.2.0", prefix: 24, family: "ipv4" });
    expect(parseCidr("2001:db8::/32")).toEqual({ address: "2001:db8::", prefix: 32, family: "ipv6" });
    expect(parseCidr("198.51.100.7")?.prefix).toBe(32);
    for (const bad of ["192.0.2.0/33", "2001:db8::/129", "example.com/8", "10.0.0.0/8/1", "10.0.0.0/x", ""]) {
      expect(parseCidr(bad)).toBeNull();
    }
  });

  it("matches addresses inside the ranges only, IPv4-mapped IPv6 as IPv4", () => {
    const ranges = ["192.0.2.0/24", "2001:db8::/32"];
    expect(ipAllowed("192.0.2.55", ranges)).toBe(true);
    expect(ipAllowed("::ffff:192.0.2.55", ranges)).toBe(true);
    expect(ipAllowed("2001:db8:1::5", ranges)).toBe(true);
    expect(ipAllowed("127.0.0.1", ranges)).toBe(false);
    expect(ipAllowed("2001:db9::1", ranges)).toBe(false);
    expect(ipAllowed("127.0.0.1", [])).toBe(true);
  });
});
