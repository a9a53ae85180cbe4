import type { Config } from "../../config/config.js";
import type { Executor } from "../../db/client.js";
import { loadSettingsRow } from "../operator-settings/service.js";

/**
 * The configuration an email is written with: the portal's name is the operator's "Portal display name"
 * (as on the consent pages) when set, else PORTAL_NAME, so every email names the portal alike.
 */
export async function withPortalName<C extends Pick<Config, "PORTAL_NAME">>(
  db: Executor,
  config: C,
): Promise<C> {
  const row = await loadSettingsRow(db);
  return row?.portalDisplayName ? { ...config, PORTAL_NAME: row.portalDisplayName } : config;
}
