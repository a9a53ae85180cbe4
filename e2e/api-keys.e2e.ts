import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import { completeActivation, createOperatorWithCli, freshPage } from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/** A call from the page with the key only: `credentials: "omit"` keeps the session cookie out. */
const callWithKey = (page: Page, url: string, key: string, withCookie = false) =>
  page.evaluate(
    async ({ url, key, withCookie }) => {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${key}` },
        credentials: withCookie ? "same-origin" : "omit",
      });
      return { status: response.status, rateLimit: response.headers.get("ratelimit") };
    },
    { url, key, withCookie },
  );

describe("Settings › API keys", () => {
  const running: { portal?: RunningPortal; browser?: Browser } = {};
  beforeAll(async () => {
    const [portal, browser] = await Promise.all([startPortal(), launchBrowser()]);
    Object.assign(running, { portal, browser });
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.portal?.stop();
  });

  it("an Admin creates a key, sees it once, uses it against the API, revokes it, and the next call gets 401", async () => {
    const portal = running.portal!;
    const browser = running.browser!;
    const cli = await createOperatorWithCli(portal, { email: "keys@operator.example", name: "Key Telecom" });
    const page = await freshPage(browser, portal);
    await page.goto(cli.activationUrl);
    await completeActivation(page, cli.temporaryPassword, "amber lantern orchard seven");
    const accountId = /\/a\/([0-9a-f-]{36})\//.exec(page.url())![1]!;

    await page.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await page.getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(/\/settings\/api-keys$/);
    await page.getByRole("button", { name: "Create API key" }).click();
    await page.getByLabel("Name").fill("Billing system");
    await page.getByLabel("Allowed IP ranges").fill("not-a-range");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByText(/is not an IP range/).waitFor();
    await page.getByLabel("Allowed IP ranges").fill("127.0.0.0/8\n::1/128");
    await page.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByTestId("new-api-key");
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^s2t_live_[0-9a-f]{12}_/);
    await page.getByText("This is the only time the key is shown.").waitFor();
    await page.getByRole("button", { name: "Copy key" }).waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });

    const row = page.getByTestId("api-key-Billing system");
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain(key.slice(0, "s2t_live_".length + 12));
    expect(await page.content()).not.toContain(key);

    const dashboard = `/api/accounts/${accountId}/dashboard`;
    const used = await callWithKey(page, dashboard, key);
    expect(used.status).toBe(200);
    expect(used.rateLimit).toMatch(/^"per-key";r=\d+;t=\d+$/);
    // The signed-in browser's cookie and a key together are refused.
    expect((await callWithKey(page, dashboard, key, true)).status).toBe(400);
    // Read-only: no user management.
    expect((await callWithKey(page, `/api/accounts/${accountId}/users`, key)).status).toBe(403);

    await page.reload();
    await row.waitFor();
    const lastUsed = row.getByRole("cell").nth(5);
    await expect.poll(() => lastUsed.textContent(), { timeout: 15_000 }).not.toBe("Never");
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke key" }).click();
    await page.getByText("API key Billing system was revoked.").waitFor();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("revoked");

    expect((await callWithKey(page, dashboard, key)).status).toBe(401);
  });
});
