import type { DnsAdapter, DnsChange } from "./port.js";
import { type TrunkRecordTarget, trunkRecordSets } from "./records.js";

/** Publishes the derived-trunk record (customer FQDN → SBC) through the operator's DNS adapter. */
export function publishTrunkRecord(
  dns: DnsAdapter,
  tenantId: string,
  fqdn: string,
  target: TrunkRecordTarget,
): Promise<DnsChange> {
  return dns.upsert(tenantId, trunkRecordSets(fqdn, target));
}

/** Removes the derived-trunk record (e.g. when the enterprise is deleted). */
export function withdrawTrunkRecord(
  dns: DnsAdapter,
  tenantId: string,
  fqdn: string,
  target: TrunkRecordTarget,
): Promise<DnsChange> {
  return dns.withdraw(tenantId, trunkRecordSets(fqdn, target));
}
