import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import { onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { type RunningPortal, startPortal } from "./support/portal.js";
import { withEmulator } from "./support/suite.js";

const root = path.resolve(import.meta.dirname, "..");
const example = path.join(root, "packages/client/examples/onboard-enterprise.ts");

/** An Admin API key of the signed-in page's account, created as Settings › API keys does (session + CSRF). */
async function createAdminKey(page: Page, accountId: string): Promise<string> {
  return page.evaluate(async (accountId) => {
    const session = await (await fetch("/api/session")).json();
    const response = await fetch(`/api/accounts/${accountId}/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
      body: JSON.stringify({ name: "Provisioning system", role: "Admin" }),
    });
    if (response.status !== 201) throw new Error(`${response.status} ${await response.text()}`);
    return (await response.json()).key as string;
  }, accountId);
}

/** Runs the README's example as a child process; resolves with its exit code and output once it exits. */
function runExample(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // `source`: the client package's TypeScript (Node strips the types), so CI needs no extra build.
    const child = spawn(process.execPath, ["--conditions=source", example], {
      cwd: path.join(root, "packages/client"),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("packages/client's example against the started portal and the Microsoft 365 emulator", () => {
  const running: { portal?: RunningPortal; browser?: Browser; dataDir?: string } = {};
  beforeAll(async () => {
    // Our own DATA_DIR, to hand the emulator's CA (DATA_DIR/m365-emulator/emulator-ca.pem) to the example.
    running.dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-e2e-client-"));
    const [portal, browser] = await Promise.all([
      startPortal({ ...(await withEmulator()), DATA_DIR: running.dataDir }),
      launchBrowser(),
    ]);
    Object.assign(running, { portal, browser });
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.portal?.stop();
  });

  it("onboards an enterprise (profiles, consent, Direct Routing setup) and adds a user who gets provisioned", async () => {
    const portal = running.portal!;
    const operator = await setUpOperator(running.browser!, portal);
    const partner = await onboardPartner(running.browser!, portal, operator);
    const partnerId = /\/a\/([0-9a-f-]{36})\//.exec(partner.url())![1]!;
    const key = await createAdminKey(partner, partnerId);

    const run = await runExample({
      SIP2TEAMS_URL: portal.url,
      SIP2TEAMS_API_KEY: key,
      SIP2TEAMS_ACCOUNT_ID: partnerId,
      COMPANY_NAME: "Contoso Client Example",
      TEAMS_USER: "user1@contoso.example",
      EMULATOR_ADMIN: "admin@contoso.example",
      EMULATOR_PASSWORD: "Admin-Pass-123!",
      NODE_EXTRA_CA_CERTS: path.join(running.dataDir!, "m365-emulator/emulator-ca.pem"),
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Direct Routing setup completed.");

    // What the script did, read back through the API with the same key.
    const api = async (url: string) => {
      const response = await fetch(`${portal.url}${url}`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status, url).toBe(200);
      return response.json();
    };
    const enterprises = await api(`/api/accounts/${partnerId}/enterprises?search=Contoso%20Client%20Example`);
    expect(enterprises.items).toHaveLength(1);
    const enterpriseId = enterprises.items[0].id as string;
    const users = await api(`/api/accounts/${enterpriseId}/teams-users?search=user1`);
    const user = users.items.find(
      (u: { userPrincipalName: string }) => u.userPrincipalName === "user1@contoso.example",
    );
    expect(user, JSON.stringify(users.items)).toBeDefined();
    expect(user.provisioned).toMatchObject({ status: "done", sipUser: "2001", phoneNumber: "+14255552001" });
    const detail = await api(`/api/accounts/${enterpriseId}/teams-users/${user.provisioned.id}`);
    expect(detail).toMatchObject({ userPrincipalName: "user1@contoso.example", status: "done" });
  });
});
