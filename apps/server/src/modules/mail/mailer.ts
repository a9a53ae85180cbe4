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
  /** The sender as the recipient's brand names it; absent: MAIL_FROM. */
  from?: MailSender;
}

export interface MailSender {
  name: string | null;
  address: string | null;
}

/** The brand of a recipient's account as emails print it: each field null when no brand sets it. */
export interface MailBrand {
  portalName: string | null;
  sender: MailSender;
}

/**
 * The effective brand of an account (branding sits beside mail in the account layer, and mail imports only
 * the platform): the composition root passes this reader in.
 */
export type BrandReader = (db: Executor, accountId: string) => Promise<MailBrand | null>;

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
  /** See `BrandReader`; absent: no account has a brand of its own. */
  readonly brand?: BrandReader;
}

/** MAIL_FROM with the brand's sender name and address where set: `"Acme" <noreply@acme.example>`. */
export function senderAddress(defaultFrom: string, sender: MailSender | undefined) {
  if (!sender || (!sender.name && !sender.address)) return defaultFrom;
  const match = /^\s*(?:"?([^"<]*)"?\s*)?<([^>]+)>\s*$/.exec(defaultFrom);
  const address = sender.address ?? match?.[2] ?? defaultFrom.trim();
  const name = sender.name ?? match?.[1]?.trim() ?? "";
  return name ? { name, address } : address;
}

/** Real SMTP. Message bodies may hold temporary passwords, so only the recipient and subject are logged. */
export function smtpMailer(
  smtpUrl: string,
  from: string,
  log: Logger,
  portalName?: PortalNameReader,
  brand?: BrandReader,
): Mailer {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    transport: "smtp",
    portalName,
    brand,
    async send(mail) {
      await transporter.sendMail({
        from: senderAddress(from, mail.from),
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
export function outboxMailer(
  db: Executor,
  log: Logger,
  portalName?: PortalNameReader,
  brand?: BrandReader,
): Mailer {
  const outbox = mailRepository(db);
  return {
    transport: "outbox",
    portalName,
    brand,
    async send(mail) {
      await outbox.store({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        links: mail.links,
      });
      log.info(
        { to: mail.to, subject: mail.subject, links: mail.links.map((l) => `${l.label}: ${l.url}`) },
        "mail stored in dev outbox",
      );
    },
  };
}
