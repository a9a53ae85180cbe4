import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { Executor } from "../../db/client.js";
import { mailMessages } from "./schema.js";

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

export interface Mailer {
  readonly transport: "smtp" | "outbox";
  send(mail: OutgoingMail): Promise<void>;
}

/** Real SMTP. Message bodies may hold temporary passwords, so only the recipient and subject are logged. */
export function smtpMailer(smtpUrl: string, from: string, log: Logger): Mailer {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    transport: "smtp",
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
export function outboxMailer(db: Executor, log: Logger): Mailer {
  return {
    transport: "outbox",
    async send(mail) {
      await db.insert(mailMessages).values({ ...mail, transport: "outbox" });
      log.info(
        { to: mail.to, subject: mail.subject, links: mail.links.map((l) => `${l.label}: ${l.url}`) },
        "mail stored in dev outbox",
      );
    },
  };
}
