import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { newPage } from "./browser.js";
import type { RunningPortal } from "./portal.js";

const root = path.resolve(import.meta.dirname, "../..");

/** Runs `sip2teams operator create` against the portal's database, as an operator would on a fresh install. */
export async function createOperatorWithCli(portal: RunningPortal, input: { email: string; name: string }) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-e2e-cli-"));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(root, "apps/server/bin/sip2teams.js"),
      "operator",
      "create",
      "--email",
      input.email,
      "--name",
      input.name,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: "test",
        DATABASE_URL: portal.databaseUrl,
        PUBLIC_URL: portal.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
      },
    },
  );
  const activationUrl = /(http\S+\/activate#token=\S+)/.exec(stdout)?.[1];
  const temporaryPassword = /Temporary password[^\n]*\n\s+(\S+)/.exec(stdout)?.[1];
  if (!activationUrl || !temporaryPassword) throw new Error(`unexpected CLI output:\n${stdout}`);
  return { activationUrl, temporaryPassword, stdout };
}

export interface OutboxMail {
  subject: string;
  text: string;
  html: string;
}

/** The newest message to `to` in the portal's dev outbox (waits for it to arrive). */
export async function latestMail(portal: RunningPortal, to: string, subject?: RegExp): Promise<OutboxMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await portal.query<OutboxMail>(
      `select subject, text, html from mail_messages where "to" = $1 order by created_at desc limit 1`,
      [to],
    );
    const mail = rows[0];
    if (mail && (!subject || subject.test(mail.subject))) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const temporaryPasswordOf = (mail: OutboxMail) =>
  /temporary password is: (\S+)/.exec(mail.text)?.[1] ?? "";

/** Shows the email in the browser, as a mail client would, and clicks the button labelled `linkLabel`. */
export async function openMailAndClick(page: Page, mail: OutboxMail, linkLabel: string) {
  await page.setContent(mail.html);
  await page.getByRole("link", { name: linkLabel }).click();
}

/** A fresh browser context (no cookies), as a different person on a different computer. */
export function freshPage(browser: Browser, portal: RunningPortal) {
  return newPage(browser, portal.url);
}

/** Guide step 1: the activation page, filled in and submitted. Ends on the dashboard. */
export async function completeActivation(page: Page, temporaryPassword: string, newPassword: string) {
  await page.getByLabel(/^Current Password/).fill(temporaryPassword);
  await page.getByLabel(/^New Password/).fill(newPassword);
  await page.getByLabel(/^Confirm New Password/).fill(newPassword);
  await page.getByRole("button", { name: "Reset Password" }).click();
  await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
}

/** Guide step 2: username first. Ends on the dashboard. */
export async function signInUsernameFirst(page: Page, username: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Continue with username" }).click();
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign In" }).click();
  await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
}

export async function signOutViaMenu(page: Page) {
  await page.getByRole("button", { name: "Your profile" }).click();
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await page.waitForURL(/\/sign-in/);
}
