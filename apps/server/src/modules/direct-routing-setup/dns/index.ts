import type { MicrosoftAppSettings } from "../../operator-settings/index.js";
import { emulatorDns } from "./emulator.js";
import { manualDns } from "./manual.js";
import type { DnsAdapter, DnsSettings } from "./port.js";
import { rfc2136Dns } from "./rfc2136/adapter.js";

export * from "./port.js";
export * from "./records.js";
export { checkRfc2136 } from "./rfc2136/adapter.js";
export { DnsUpdateError } from "./rfc2136/errors.js";
export { publishTrunkRecord, withdrawTrunkRecord } from "./trunk-record.js";
export { emulatorDns, manualDns, rfc2136Dns };

export function dnsAdapterFor(settings: DnsSettings, microsoft: MicrosoftAppSettings): DnsAdapter {
  switch (settings.kind) {
    case "emulator":
      return emulatorDns(microsoft.loginUrl);
    case "rfc2136":
      return rfc2136Dns(settings.rfc2136);
    case "manual":
      return manualDns;
  }
}
