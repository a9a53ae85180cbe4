import { describe, expect, it } from "vitest";
import { newPage } from "./support/browser.js";
import { usePortalAndBrowser } from "./support/suite.js";

describe("portal shell", () => {
  const suite = usePortalAndBrowser();

  it("sends a signed-out visitor to the username-first sign-in page", async () => {
    const page = await newPage(suite.browser, suite.portal.url);
    await page.goto("/");
    await page.waitForURL("**/sign-in**");
    await expect(page.getByLabel("Username").isVisible()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Continue with username" }).isVisible()).resolves.toBe(
      true,
    );
  });

  it("serves the API reference and a problem+json 404 next to the app", async () => {
    const response = await fetch(`${suite.portal.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const page = await newPage(suite.browser, suite.portal.url);
    const docs = await page.goto("/api/docs/");
    expect(docs?.status()).toBe(200);
  });
});
