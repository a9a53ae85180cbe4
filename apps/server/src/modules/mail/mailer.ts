import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { Executor } from "../../db/client.js";
import { mailRepository } from "./repository.js";

export interface MailLink {
  label: string;
  url: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The actionable links (activation, reset…), printed in the log when the dev outbox is used. */
  links: MailLink[];
}

/**
 * The portal's name as emails print it, when one is configured above the defaults (the operator's "Portal
 * display name"), else null (emails use `PORTAL_NAME`). The mail module cannot read operator settings (a
 * higher layer): the composition root passes this reader in.
 */
export type PortalNameReader = (db: Executor) => Promise<string | null>;

export interface Mailer {
  readonly transport: "smtp" | "outbox";
  send(mail: OutgoingMail): Promise<void>;
  /** See `PortalNameReader`; absent: emails use `PORTAL_NAME`. */
  readonly portalName?: PortalNameReader;
}

/** Real SMTP. Message bodies may hold temporary passwords, so only the recipient and subject are logged. */
export function smtpMailer(
  smtpUrl: string,
  from: string,
  log: Logger,
  portalName?: PortalNameReader,
): Mailer {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    transport: "smtp",
    portalName,
    async send(mail) {
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
      log.info({ to: mail.to, subject: mail.subject }, "mail sent");
    },
  };
}

/** Development outbox: stores every message for /dev/mailbox and prints its links. Never used in production. */
export function outboxMailer(db: Executor, log: Logger, portalName?: PortalNameReader): Mailer {
  const outbox = mailRepository(db);
  return {
    transport: "outbox",
    portalName,
    async send(mail) {
      await outbox.store(mail);
      log.info(
        { to: mail.to, subject: mail.subject, links: mail.links.map((l) => `${l.label}: ${l.url}`) },
        "mail stored in dev outbox",
      );
    },
  };
}
