import type { Config } from "../../config/config.js";
import type { Executor } from "../../db/client.js";
import type { Mailer } from "./mailer.js";

/**
 * The configuration an email is written with: the portal's name is the operator's "Portal display name"
 * (as on the consent pages) when set, else PORTAL_NAME, so every email names the portal alike. The name
 * comes from the mailer's `portalName` reader, which the composition root injects.
 */
export async function withPortalName<C extends Pick<Config, "PORTAL_NAME">>(
  mailer: Pick<Mailer, "portalName">,
  db: Executor,
  config: C,
): Promise<C> {
  const name = await mailer.portalName?.(db);
  return name ? { ...config, PORTAL_NAME: name } : config;
}
