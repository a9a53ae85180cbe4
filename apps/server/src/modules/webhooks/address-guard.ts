import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * The SSRF guard: where an endpoint may point. `WEBHOOKS_ALLOW_PRIVATE` = `off` (default: public addresses
 * only), `loopback` (also 127.0.0.0/8 and ::1, for tests and a receiver on the same machine) or `private`
 * (also RFC 1918, CGNAT, unique-local and link-local). Checked when an endpoint is saved and again on every
 * connection (DNS can change): the delivery connects to the very address that was checked.
 */
export type PrivateAddressPolicy = "off" | "loopback" | "private";

type AddressClass = "public" | "loopback" | "private";

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

const special = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["169.254.0.0", 16], // link-local (cloud metadata)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  special.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], // unspecified
  ["fc00::", 7], // unique-local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
  ["64:ff9b::", 96], // NAT64 (could reach anything IPv4)
] as const)
  special.addSubnet(net, bits, "ipv6");

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1, ::ffff:a00:1) as its IPv4 form. */
function unmapped(address: string): string {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return address;
}

export function classifyAddress(raw: string): AddressClass {
  const address = unmapped(raw);
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (loopback.check(address, family)) return "loopback";
  if (special.check(address, family)) return "private";
  return "public";
}

export function isAllowedAddress(address: string, policy: PrivateAddressPolicy): boolean {
  const kind = classifyAddress(address);
  if (kind === "public") return true;
  if (kind === "loopback") return policy !== "off";
  return policy === "private";
}

export class RefusedDestination extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedDestination";
  }
}

/** Resolves the host and checks every address it has; throws RefusedDestination with the reason. */
export async function checkDestination(
  url: URL,
  policy: PrivateAddressPolicy,
): Promise<{ address: string; family: number }[]> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new RefusedDestination(`${host} does not resolve.`);
    }
  }
  const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
  if (refused) {
    throw new RefusedDestination(
      `${host} resolves to ${refused.address}, a ${classifyAddress(refused.address)} address; webhooks go to public addresses only (WEBHOOKS_ALLOW_PRIVATE).`,
    );
  }
  return addresses;
}
