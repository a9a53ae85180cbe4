/** The public surface of mail: the mailers, message templates, the portal's name in emails, /dev/mailbox. */
export {
  type BrandReader,
  type MailBrand,
  type Mailer,
  type MailLink,
  type MailSender,
  type OutgoingMail,
  outboxMailer,
  type PortalNameReader,
  smtpMailer,
} from "./mailer.js";
export { withBrand, withPortalName } from "./portal-name.js";
export { devMailboxRoutes } from "./routes.js";
export { composeMail } from "./templates.js";
