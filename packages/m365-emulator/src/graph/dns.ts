import { Resolver } from "node:dns/promises";
import type { Tenant } from "../state/model.js";
import type { EmulatorState } from "../state/store.js";

/** TXT lookup for domain verification: the configured DNS server, else records published via the control API. */
export async function resolveTxt(state: EmulatorState, tenant: Tenant, name: string): Promise<string[]> {
  const server = state.settings.dnsServer;
  if (!server) return tenant.dnsTxt.get(name.toLowerCase()) ?? [];
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([server]);
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
  } catch {
    return [];
  }
}
