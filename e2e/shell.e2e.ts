import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage } from "./support/browser.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

describe("portal shell", () => {
  let portal: RunningPortal;
  let browser: Browser;
  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("sends a signed-out visitor to the username-first sign-in page", async () => {
    const page = await newPage(browser, portal.url);
    await page.goto("/");
    await page.waitForURL("**/sign-in**");
    await expect(page.getByLabel("Username").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Continue with username" }).isVisible()).resolves.toBe(
      true,
    );
  });

  it("serves the API reference and a problem+json 404 next to the app", async () => {
    const response = await fetch(`${portal.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const page = await newPage(browser, portal.url);
    const docs = await page.goto("/api/docs/");
    expect(docs?.status()).toBe(200);
  });
});
