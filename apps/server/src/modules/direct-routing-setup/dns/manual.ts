import type { DnsAdapter } from "./port.js";
import { manualRecords } from "./records.js";

/** The operator publishes records by hand: every change answers exactly which records to add or remove. */
export const manualDns: DnsAdapter = {
  kind: "manual",
  async upsert(_tenantId, sets) {
    return { applied: false, operatorMust: "add", records: manualRecords(sets) };
  },
  async withdraw(_tenantId, sets) {
    return { applied: false, operatorMust: "remove", records: manualRecords(sets) };
  },
  async publish() {
    return false;
  },
};
