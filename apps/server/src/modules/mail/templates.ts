import type { MailLink, OutgoingMail } from "./mailer.js";

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** A plain, branded message with paragraphs and one call-to-action button per link. */
export function composeMail(input: {
  to: string;
  subject: string;
  portalName: string;
  paragraphs: string[];
  links: MailLink[];
}): OutgoingMail {
  const text = [
    ...input.paragraphs,
    ...input.links.map((link) => `${link.label}: ${link.url}`),
    `— ${input.portalName}`,
  ].join("\n\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px">
<h2>${escapeHtml(input.portalName)}</h2>
${input.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${input.links
  .map(
    (link) =>
      `<p><a href="${escapeHtml(link.url)}" style="display:inline-block;padding:10px 16px;background:#4c6ef5;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>`,
  )
  .join("\n")}
</body></html>`;
  return { to: input.to, subject: input.subject, text, html, links: input.links };
}
