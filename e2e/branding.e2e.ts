import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage } from "./support/browser.js";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";
import {
  completeActivation,
  freshPage,
  latestMail,
  openMailAndClick,
  signOutViaMenu,
  temporaryPasswordOf,
} from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

// A 1×1 PNG.
const LOGO = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** Issue 15 scope 4: a partner brands the portal; its customer sees the brand on its host name and in emails. */
describe("white-label branding per partner", () => {
  let portal: RunningPortal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("a partner sets a brand; its customer sees it on the partner's host, in the portal and in the activation email", async () => {
    const operator = await setUpOperator(browser, portal);
    const partner = await onboardPartner(browser, portal, operator);
    const brandedHost = `acme-${Date.now().toString(36)}.localhost`;
    const brandedUrl = portal.url.replace("localhost", brandedHost);

    // Settings › Branding: name, colour, logo and the partner's own host name.
    await partner.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await partner.getByRole("link", { name: "Branding" }).click();
    await partner.waitForURL(/\/settings\/branding$/);
    await partner.getByLabel("Portal name").fill("Acme Connect");
    await partner.getByLabel("Primary colour").fill("#aa3300");
    await partner
      .locator('input[type="file"]')
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: LOGO });
    await partner.getByLabel("Custom host names").fill(brandedHost);
    await partner.getByRole("button", { name: "Save branding" }).click();
    await partner.getByText("Branding saved.").waitFor();
    await partner.getByTestId("brand-name").filter({ hasText: "Acme Connect" }).waitFor();

    // The partner's customer: the activation email names the partner's portal.
    await onboardEnterprise(partner);
    const mail = await latestMail(portal, "casey@contoso.example");
    expect(mail.subject).toBe("Activate your Acme Connect account");
    expect(mail.text).toContain("the Acme Connect portal");
    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Activate Your Account");
    await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
    await signOutViaMenu(customer);

    // Reached on the partner's host name, the sign-in page shows the brand.
    const onHost = await newPage(browser, brandedUrl);
    await onHost.goto(`${brandedUrl}/sign-in`);
    await onHost.getByTestId("brand-name").filter({ hasText: "Acme Connect" }).waitFor();
    await onHost.getByTestId("brand-logo").waitFor();
    expect(await onHost.getByTestId("brand-logo").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(
      1,
    );
    await onHost.getByLabel("Username").fill("casey@contoso.example");
    await onHost.getByRole("button", { name: "Continue with username" }).click();
    await onHost.getByLabel(/^Password/).fill("customer passphrase one");
    await onHost.getByRole("button", { name: "Sign In" }).click();
    await onHost.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    // In the portal: the brand's name, logo and primary colour (the Mantine theme's).
    await onHost.getByRole("banner").getByTestId("brand-name").filter({ hasText: "Acme Connect" }).waitFor();
    await onHost.getByRole("banner").getByTestId("brand-logo").waitFor();
    const primary = await onHost.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue("--mantine-primary-color-filled").trim(),
    );
    expect(primary.toLowerCase()).toBe("#aa3300");

    // The portal's own host keeps the portal's default brand.
    const plain = await freshPage(browser, portal);
    await plain.goto("/sign-in");
    await plain.getByTestId("brand-name").filter({ hasText: "sip2teams" }).waitFor();
  });
});
