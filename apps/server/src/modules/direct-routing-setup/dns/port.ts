import type { DnsRecordSet, ManualRecord, TxtRecord } from "./records.js";

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

/**
 * What publishing or withdrawing did: applied by the adapter, or the exact records the operator must add
 * (or remove) by hand.
 */
export type DnsChange =
  | { applied: true }
  | { applied: false; operatorMust: "add" | "remove"; records: ManualRecord[] };

/**
 * Publishes DNS records for trunk subdomains: the TXT record Microsoft checks at domain verification and
 * the derived-trunk record (customer FQDN → SBC). `tenantId` is the Microsoft tenant the record is for
 * (the emulator keeps one DNS zone per tenant; real DNS ignores it).
 */
export interface DnsAdapter {
  readonly kind: DnsAdapterKind;
  /** Makes each RRset exactly its values (replacing what was there); idempotent. */
  upsert(tenantId: string, sets: DnsRecordSet[]): Promise<DnsChange>;
  /** Removes these RRsets (whole name + type; the values only tell a person what to remove); idempotent. */
  withdraw(tenantId: string, sets: DnsRecordSet[]): Promise<DnsChange>;
  /** Publishes the verification TXT record: true when published, false when the operator has to. */
  publish(tenantId: string, record: TxtRecord): Promise<boolean>;
}
