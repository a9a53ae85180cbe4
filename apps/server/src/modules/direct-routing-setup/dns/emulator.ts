import type { DnsAdapter } from "./port.js";
import { type DnsRecordSet, manualRecords, txtRecordSet } from "./records.js";

/**
 * The zero-setup default: the Microsoft 365 emulator's control API plays each tenant's DNS zone, for the
 * TXT records domain verification reads. It has no zone for address records and no way to delete, so
 * those changes are answered like the manual adapter's: the records a person would have to change.
 */
export function emulatorDns(emulatorUrl: string): DnsAdapter {
  async function publishTxt(tenantId: string, set: DnsRecordSet): Promise<void> {
    for (const value of set.values) {
      const response = await fetch(`${emulatorUrl}/_emulator/tenants/${tenantId}/dns`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: set.name, type: "TXT", value, values: [value] }),
      });
      if (!response.ok) throw new Error(`The emulator's DNS refused the record: HTTP ${response.status}`);
    }
  }
  return {
    kind: "emulator",
    async upsert(tenantId, sets) {
      const others = sets.filter((set) => set.type !== "TXT");
      for (const set of sets) if (set.type === "TXT") await publishTxt(tenantId, set);
      if (others.length > 0) return { applied: false, operatorMust: "add", records: manualRecords(others) };
      return { applied: true };
    },
    async withdraw(_tenantId, sets) {
      return { applied: false, operatorMust: "remove", records: manualRecords(sets) };
    },
    async publish(tenantId, record) {
      await publishTxt(tenantId, txtRecordSet(record));
      return true;
    },
  };
}
