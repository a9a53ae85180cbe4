import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  connectMicrosoft365,
  onboardEnterprise,
  onboardPartner,
  setUpOperator,
  signInAtMicrosoft,
} from "./support/guide-steps.js";
import { freshPage } from "./support/identity.js";
import { usePortalAndBrowser, withEmulator } from "./support/suite.js";

/**
 * Guide 002, step 1: "Log into the Teams Connector Provisioning Portal using the tenant's Global Administrator
 * O365 user" — through Sign in with Microsoft, with no portal account created by hand for that address.
 */
describe("guide 002 step 1: the tenant's Global Administrator signs in with Microsoft", () => {
  let partner: Page;

  const suite = usePortalAndBrowser(withEmulator);

  /** At Microsoft: account, password, and the permissions screen if Microsoft shows one. */
  async function microsoftSignIn(page: Page, login: string, password: string) {
    await signInAtMicrosoft(page, login, password);
    const accept = page.getByRole("button", { name: "Accept" });
    const backAtPortal = page.waitForURL((url) => url.origin === suite.portal.url, { timeout: 30_000 });
    const shown = await Promise.race([
      accept.waitFor({ timeout: 30_000 }).then(() => "consent" as const),
      backAtPortal.then(() => "portal" as const),
    ]);
    if (shown === "consent") await accept.click();
    await backAtPortal;
  }

  it("requirements: an enterprise connected to its Microsoft 365 tenant (guide 001 steps 1-3)", async () => {
    const operator = await setUpOperator(suite.browser, suite.portal);
    partner = await onboardPartner(suite.browser, suite.portal, operator);
    await onboardEnterprise(partner);

    // The customer's first Admin connects Microsoft 365 (admin consent by the tenant's Global Admin).
    const casey = await connectMicrosoft365(suite.browser, suite.portal);
    await casey.getByRole("button", { name: "Close" }).click();
    await casey.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
  });

  it("step 1: Sign in with Microsoft as admin@contoso.example lands in Contoso as Admin; step 2: Users", async () => {
    const page = await freshPage(suite.browser, suite.portal);
    await page.goto(`${suite.portal.url}/sign-in`);
    // The username-first sign-in stays; Microsoft sign-in sits beside it.
    await page.getByRole("button", { name: "Continue with username" }).waitFor();
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(page, "admin@contoso.example", "Admin-Pass-123!");
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    const session = await page.evaluate(async () => (await fetch("/api/session")).json());
    expect(session.user).toMatchObject({ email: "admin@contoso.example", role: "Admin" });
    expect(session.account).toMatchObject({ name: "Contoso", kind: "enterprise" });

    // 2. In the main menu, navigate to Users: the tenant's Teams users.
    await page.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await page.waitForURL(/\/users$/);
    await page.getByTestId("user-row-user1@contoso.example").waitFor({ timeout: 30_000 });
  });

  it("refusals are explained: a tenant user nobody invited, and a tenant that is not connected", async () => {
    const page = await freshPage(suite.browser, suite.portal);
    await page.goto(`${suite.portal.url}/sign-in`);
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(page, "user1@contoso.example", "User-Pass-123!");
    await page.waitForURL(/\/sign-in\/microsoft\?error=unknown_user$/);
    await page.getByText("Your Microsoft account is not a user of this portal").waitFor();

    const other = await freshPage(suite.browser, suite.portal);
    await other.goto(`${suite.portal.url}/sign-in`);
    await other.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(other, "admin@fabrikam.example", "Admin-Pass-123!");
    await other.waitForURL(/\/sign-in\/microsoft\?error=wrong_tenant$/);
    await other.getByText("is not connected to this portal").waitFor();
  });

  it("a partner's Admin enables Sign in with Microsoft for its own tenant; its Global Admin then signs in", async () => {
    await partner.goto(`${suite.portal.url}/`);
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    await partner.getByText("Settings", { exact: true }).click();
    await partner.getByRole("link", { name: "Security" }).click();
    await partner.getByRole("button", { name: "Enable Sign in with Microsoft" }).click();
    await microsoftSignIn(partner, "admin@fabrikam.example", "Admin-Pass-123!");
    await partner.waitForURL(/\/sign-in\/microsoft\?enabled=1$/);
    await partner.getByText("can now sign in with Microsoft").waitFor();

    const page = await freshPage(suite.browser, suite.portal);
    await page.goto(`${suite.portal.url}/sign-in`);
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(page, "admin@fabrikam.example", "Admin-Pass-123!");
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    const session = await page.evaluate(async () => (await fetch("/api/session")).json());
    expect(session.user).toMatchObject({ email: "admin@fabrikam.example", role: "Admin" });
    expect(session.account).toMatchObject({ name: "Telco Partner", kind: "partner" });
  });
});
