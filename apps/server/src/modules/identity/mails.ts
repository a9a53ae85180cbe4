import type { Config } from "../../config/config.js";
import { composeMail } from "../mail/index.js";

// Links carry their token in the URL fragment (#token=…): browsers never send fragments to servers, so
// tokens stay out of access logs, proxies and Referer headers. The web page reads it from location.hash.

/** "the Orchid Collab Portal", "the sip2teams portal": a name that already says portal is not said twice. */
export const portalPhrase = (name: string) => {
  const trimmed = name.trim();
  return /\bportal$/i.test(trimmed) ? `the ${trimmed}` : `the ${trimmed} portal`;
};

export function invitationMail(
  config: Pick<Config, "publicUrl" | "PORTAL_NAME" | "INVITATION_TTL_DAYS">,
  input: { to: string; name: string; accountName: string; token: string; temporaryPassword: string },
) {
  return composeMail({
    to: input.to,
    subject: `Activate your ${config.PORTAL_NAME} account`,
    portalName: config.PORTAL_NAME,
    paragraphs: [
      `Hello ${input.name},`,
      `An account has been created for you in ${portalPhrase(config.PORTAL_NAME)} for ${input.accountName}.`,
      `Your username is ${input.to}.`,
      `Your temporary password is: ${input.temporaryPassword}`,
      `Click Activate Your Account, enter the temporary password as your Current Password and choose a new password. The link and the temporary password can be used once and expire in ${config.INVITATION_TTL_DAYS} days.`,
    ],
    links: [
      {
        label: "Activate Your Account",
        url: `${config.publicUrl}/activate#token=${encodeURIComponent(input.token)}`,
      },
    ],
  });
}

export function passwordResetMail(
  config: Pick<Config, "publicUrl" | "PORTAL_NAME" | "PASSWORD_RESET_TTL_MINUTES">,
  input: { to: string; name: string; token: string },
) {
  return composeMail({
    to: input.to,
    subject: "Reset password instructions",
    portalName: config.PORTAL_NAME,
    paragraphs: [
      `Hello ${input.name},`,
      `Someone asked to reset the password of your ${config.PORTAL_NAME} account (${input.to}).`,
      `Click Set New Password to choose a new one. The link can be used once and expires in ${config.PASSWORD_RESET_TTL_MINUTES} minutes.`,
      "If you did not ask for this, ignore this email: your password stays as it is.",
    ],
    links: [
      {
        label: "Set New Password",
        url: `${config.publicUrl}/reset-password#token=${encodeURIComponent(input.token)}`,
      },
    ],
  });
}
