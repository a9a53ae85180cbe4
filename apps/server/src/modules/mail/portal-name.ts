import type { Config } from "../../config/config.js";
import type { Executor } from "../../db/client.js";
import type { Mailer, MailSender } from "./mailer.js";

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

/**
 * The configuration and sender an email to a user of `accountId` is written with: that account's effective
 * brand (its own or the nearest partner's above) names the portal and the sender; fields no brand sets fall
 * back to `withPortalName` and MAIL_FROM.
 */
export async function withBrand<C extends Pick<Config, "PORTAL_NAME">>(
  mailer: Pick<Mailer, "portalName" | "brand">,
  db: Executor,
  config: C,
  accountId: string,
): Promise<{ config: C; from?: MailSender }> {
  const brand = await mailer.brand?.(db, accountId);
  const base = await withPortalName(mailer, db, config);
  return {
    config: brand?.portalName ? { ...base, PORTAL_NAME: brand.portalName } : base,
    from: brand?.sender,
  };
}
