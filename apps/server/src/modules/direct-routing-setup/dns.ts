import type { DnsAdapterKind, MicrosoftAppSettings } from "../operator-settings/service.js";

export interface TxtRecord {
  /** The record's owner name, e.g. `acme.customers.sbc.example.net`. */
  name: string;
  value: string;
  ttl: number;
}

/**
 * Publishes the TXT record Microsoft checks when verifying the trunk subdomain. `manual` asks the operator
 * to publish it (shown in the checklist with a Verify button); automatic providers publish it themselves.
 */
export interface DnsAdapter {
  readonly kind: DnsAdapterKind;
  /** true when published; false when the operator has to publish it. */
  publish(tenantId: string, record: TxtRecord): Promise<boolean>;
}

export const manualDns: DnsAdapter = {
  kind: "manual",
  async publish() {
    return false;
  },
};

/** The zero-setup default: the Microsoft 365 emulator's control API plays the DNS zone. */
export function emulatorDns(emulatorUrl: string): DnsAdapter {
  return {
    kind: "emulator",
    async publish(tenantId, record) {
      const response = await fetch(`${emulatorUrl}/_emulator/tenants/${tenantId}/dns`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: record.name, type: "TXT", value: record.value, values: [record.value] }),
      });
      if (!response.ok) throw new Error(`The emulator's DNS refused the record: HTTP ${response.status}`);
      return true;
    },
  };
}

export function dnsAdapterFor(kind: DnsAdapterKind, microsoft: MicrosoftAppSettings): DnsAdapter {
  return kind === "emulator" ? emulatorDns(microsoft.loginUrl) : manualDns;
}
