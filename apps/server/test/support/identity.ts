import { desc, eq } from "drizzle-orm";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Database } from "../../src/db/client.js";
import { mailMessages } from "../../src/modules/mail/schema.js";
import { createAccountTree, createSignedInUser } from "./factories.js";
import { startTestApp } from "./test-app.js";

/** The newest message to `to` in the dev outbox. */
export async function lastMailTo(db: Database, to: string) {
  const [mail] = await db
    .select()
    .from(mailMessages)
    .where(eq(mailMessages.to, to))
    .orderBy(desc(mailMessages.createdAt))
    .limit(1);
  if (!mail) throw new Error(`no mail to ${to}`);
  return mail;
}

/** The token of a link (`#token=`) and the temporary password, from an activation or reset mail. */
export function readMail(mail: { text: string; links: { label: string; url: string }[] }) {
  const link = mail.links[0];
  const token = link ? (new URLSearchParams(new URL(link.url).hash.slice(1)).get("token") ?? "") : "";
  const temporaryPassword = /temporary password is: (\S+)/.exec(mail.text)?.[1] ?? "";
  return { label: link?.label, url: link?.url, token, temporaryPassword };
}

/** Cookie + CSRF headers for the session a sign-in / activation / reset response started. */
export function sessionHeaders(response: LightMyRequestResponse): Record<string, string> {
  const cookie = response.cookies.find((c) => c.name === "s2t_session");
  if (!cookie) throw new Error(`no session cookie in ${response.statusCode} ${response.body}`);
  return { cookie: `s2t_session=${cookie.value}`, "x-csrf-token": response.json().csrfToken };
}

/** Invites a user through the API (as `admin`) and activates them with `password`; returns their session headers. */
export async function inviteAndActivate(
  app: FastifyInstance,
  db: Database,
  input: {
    accountId: string;
    adminHeaders: Record<string, string>;
    email: string;
    role: string;
    password: string;
    name?: string;
  },
) {
  const invited = await app.inject({
    method: "POST",
    url: `/api/accounts/${input.accountId}/users`,
    headers: input.adminHeaders,
    payload: { name: input.name ?? "Colleague", email: input.email, role: input.role },
  });
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.body}`);
  const { token, temporaryPassword } = readMail(await lastMailTo(db, input.email));
  const activated = await app.inject({
    method: "POST",
    url: "/api/auth/activate",
    payload: {
      token,
      currentPassword: temporaryPassword,
      newPassword: input.password,
      confirmPassword: input.password,
    },
  });
  if (activated.statusCode !== 200) throw new Error(`activation failed: ${activated.body}`);
  return { userId: invited.json().id as string, headers: sessionHeaders(activated) };
}

/** The app with its workers (identity mails go out through jobs), an account tree and a signed-in partner Admin. */
export async function startWithPartnerAdmin() {
  const t = await startTestApp({}, { workers: true });
  const tree = await createAccountTree(t.deps.db);
  const admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  return { t, tree, admin };
}
