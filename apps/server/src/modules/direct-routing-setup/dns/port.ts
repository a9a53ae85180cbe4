import type { DnsAdapterKind } from "../../operator-settings/index.js";
import type { DnsRecordSet, ManualRecord, TxtRecord } from "./records.js";

// The DNS settings (adapter kind, RFC 2136 server and key) are the operator's: operator-settings defines them.
export {
  DNS_ADAPTER_KINDS,
  type DnsAdapterKind,
  type DnsSettings,
  type Rfc2136Settings,
  TSIG_ALGORITHMS,
  type TsigAlgorithm,
} from "../../operator-settings/index.js";

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
