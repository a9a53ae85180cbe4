import type { FastifyPluginAsync } from "fastify";
import type { Database } from "../../db/client.js";
import { mailRepository } from "./repository.js";

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** /dev/mailbox: the dev outbox, registered only when no SMTP server is configured (never in production). */
export function devMailboxRoutes(db: Database): FastifyPluginAsync {
  const outbox = mailRepository(db);
  return async (app) => {
    app.get("/dev/mailbox", { schema: { hide: true } }, async (_request, reply) => {
      const messages = await outbox.latest(200);
      const rows = messages
        .map(
          (m) => `<article style="border:1px solid #ddd;border-radius:8px;padding:12px;margin:12px 0">
<div><b>To:</b> ${escapeHtml(m.to)} · <b>Subject:</b> ${escapeHtml(m.subject)} · <small>${m.createdAt.toISOString()}</small></div>
<div>${m.html.replace(/^[\s\S]*<body[^>]*>|<\/body>[\s\S]*$/g, "")}</div></article>`,
        )
        .join("\n");
      reply
        .type("text/html; charset=utf-8")
        .send(`<!doctype html><html><head><meta charset="utf-8"><title>Dev mailbox</title></head>
<body style="font-family:system-ui,sans-serif;max-width:760px;margin:24px auto">
<h1>Dev mailbox</h1><p>Every message sip2teams sent while no SMTP_URL is configured, newest first.</p>
${rows || "<p>No messages yet.</p>"}</body></html>`);
    });
  };
}
