/** The DNS settings the operator configures: which adapter publishes trunk records, and where they point. */

export type DnsAdapterKind = "manual" | "emulator" | "rfc2136";
export const DNS_ADAPTER_KINDS = ["manual", "emulator", "rfc2136"] as const;

export type TsigAlgorithm = "hmac-sha256" | "hmac-sha512";
export const TSIG_ALGORITHMS = ["hmac-sha256", "hmac-sha512"] as const;

/** An RFC 2136 primary server and the TSIG key allowed to update the zone. */
export interface Rfc2136Settings {
  /** Host name or IP address of the zone's primary server. */
  server: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: TsigAlgorithm;
  /** The TSIG secret, base64 (as `tsig-keygen` prints it). */
  secret: string;
}

/** The configured adapter, resolved from operator settings. */
export type DnsSettings =
  | { kind: "manual" }
  | { kind: "emulator" }
  | { kind: "rfc2136"; rfc2136: Rfc2136Settings };

/** Where the derived trunk FQDN points: the SBC's addresses, or a CNAME to the SBC's FQDN (operator setting). */
export type TrunkRecordTarget = { type: "address"; addresses: string[] } | { type: "CNAME"; target: string };

/** Tries an RFC 2136 server and key (the DNS adapter implements it; the composition root passes it in). */
export type Rfc2136Check = (
  settings: Rfc2136Settings,
) => Promise<{ ok: true; record: string } | { ok: false; code: string; message: string }>;
