import { isIP } from "node:net";
import type { TrunkRecordTarget } from "../../operator-settings/index.js";

export type { TrunkRecordTarget };

export type RecordType = "A" | "AAAA" | "CNAME" | "TXT";

/** A whole RRset: publishing it makes the name's records of this type exactly `values`. */
export interface DnsRecordSet {
  /** Owner name without the trailing dot, e.g. `acme.customers.sbc.example.net`. */
  name: string;
  type: RecordType;
  ttl: number;
  values: string[];
}

/** One record as an operator types it into a DNS console (the manual adapter's answer). */
export interface ManualRecord {
  name: string;
  type: RecordType;
  value: string;
  ttl: number;
}

/** The TXT record Microsoft checks when verifying the trunk subdomain. */
export interface TxtRecord {
  /** The record's owner name, e.g. `acme.customers.sbc.example.net`. */
  name: string;
  value: string;
  ttl: number;
}

export const TRUNK_RECORD_TTL = 3600;

export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

export function txtRecordSet(record: TxtRecord): DnsRecordSet {
  return { name: normalizeName(record.name), type: "TXT", ttl: record.ttl, values: [record.value] };
}

/** The derived-trunk record: A and/or AAAA RRsets with the SBC's addresses, or one CNAME. */
export function trunkRecordSets(
  fqdn: string,
  target: TrunkRecordTarget,
  ttl = TRUNK_RECORD_TTL,
): DnsRecordSet[] {
  const name = normalizeName(fqdn);
  if (target.type === "CNAME") return [{ name, type: "CNAME", ttl, values: [normalizeName(target.target)] }];
  const v4 = target.addresses.filter((a) => isIP(a) === 4);
  const v6 = target.addresses.filter((a) => isIP(a) === 6);
  const sets: DnsRecordSet[] = [];
  if (v4.length > 0) sets.push({ name, type: "A", ttl, values: v4 });
  if (v6.length > 0) sets.push({ name, type: "AAAA", ttl, values: v6 });
  return sets;
}

export function manualRecords(sets: DnsRecordSet[]): ManualRecord[] {
  return sets.flatMap((set) =>
    set.values.map((value) => ({ name: set.name, type: set.type, value, ttl: set.ttl })),
  );
}
