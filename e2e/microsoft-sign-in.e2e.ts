import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../apps/server/src/db/embedded-postgres.js";
import { launchBrowser } from "./support/browser.js";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  latestMail,
  openMailAndClick,
  temporaryPasswordOf,
} from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/**
 * Guide 002, step 1: "Log into the Teams Connector Provisioning Portal using the tenant's Global Administrator
 * O365 user" — through Sign in with Microsoft, with no portal account created by hand for that address.
 */
describe("guide 002 step 1: the tenant's Global Administrator signs in with Microsoft", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let partner: Page;

  beforeAll(async () => {
    const emulatorPort = await freePort();
    [portal, browser] = await Promise.all([
      startPortal({ M365_EMULATOR: "on", M365_EMULATOR_PORT: String(emulatorPort) }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  /** At Microsoft: account, password, and the permissions screen if Microsoft shows one. */
  async function microsoftSignIn(page: Page, login: string, password: string) {
    await page.getByLabel("Email, phone, or Skype").fill(login);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const accept = page.getByRole("button", { name: "Accept" });
    const backAtPortal = page.waitForURL((url) => url.origin === portal.url, { timeout: 30_000 });
    const shown = await Promise.race([
      accept.waitFor({ timeout: 30_000 }).then(() => "consent" as const),
      backAtPortal.then(() => "portal" as const),
    ]);
    if (shown === "consent") await accept.click();
    await backAtPortal;
  }

  it("requirements: an enterprise connected to its Microsoft 365 tenant (guide 001 steps 1-3)", async () => {
    const cli = await createOperatorWithCli(portal, { email: "noc@orchid.example", name: "Orchid Collab" });
    const operator = await freshPage(browser, portal);
    await operator.goto(cli.activationUrl);
    await completeActivation(operator, cli.temporaryPassword, "operator passphrase one");
    await operator.getByText("Settings", { exact: true }).click();
    await operator.getByRole("link", { name: "Operator settings" }).click();
    await operator.getByLabel("SBC base domain").fill("customers.sbc.example.net");
    await operator.getByRole("button", { name: "Save settings" }).click();
    await operator.getByText("Operator settings saved.").waitFor();
    await operator.getByLabel("Region name").first().fill("CA Central");
    await operator.getByLabel("SBC FQDNs").first().fill("sbc-ca.sbc.example.net");
    await operator.keyboard.press("Enter");
    await operator.getByRole("button", { name: "Add region" }).click();
    await operator.getByRole("cell", { name: "CA Central" }).waitFor();
    await operator.getByRole("link", { name: "Partners" }).click();
    await operator.getByRole("button", { name: "Add Partner" }).click();
    await operator.getByLabel(/^Company name/).fill("Telco Partner");
    await operator.getByLabel(/^Administrator name/).fill("Pat Partner");
    await operator.getByLabel(/^Administrator email/).fill("pat@telco-partner.example");
    await operator.getByRole("button", { name: "Save" }).click();
    await operator.getByRole("link", { name: "Telco Partner" }).waitFor();
    const partnerMail = await latestMail(portal, "pat@telco-partner.example");
    partner = await freshPage(browser, portal);
    await openMailAndClick(partner, partnerMail, "Activate Your Account");
    await completeActivation(partner, temporaryPasswordOf(partnerMail), "partner passphrase one");

    await partner.getByRole("link", { name: "Enterprises" }).click();
    await partner.getByRole("button", { name: "Add Enterprise" }).click();
    const dialog = partner.getByRole("dialog");
    await dialog.getByLabel(/^Company name/).fill("Contoso");
    await dialog.getByLabel(/^Customer admin name/).fill("Casey Customer");
    await dialog.getByLabel(/^Customer admin email/).fill("casey@contoso.example");
    await dialog.getByLabel("Regions").click();
    await partner.getByRole("option", { name: "CA Central" }).click();
    await dialog.getByLabel("User limit").fill("25");
    await dialog.getByRole("button", { name: "Add Enterprise" }).click();
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/enterprise$/);
    await partner.getByLabel("Trunk label").fill("contoso");
    await partner.getByLabel("PBX / registrar host").fill("pbx.contoso.example");
    await partner.getByLabel("SIP domain").fill("contoso.example");
    await partner.getByRole("button", { name: "Save trunk profile" }).click();
    await partner.getByText("Trunk profile saved.").waitFor();
    await partner.getByLabel("PBX", { exact: true }).fill("pbx.contoso.example");
    await partner.getByRole("button", { name: "Save Teams profile" }).click();
    await partner.getByText("Teams profile saved.").waitFor();

    // The customer's first Admin connects Microsoft 365 (admin consent by the tenant's Global Admin).
    const mail = await latestMail(portal, "casey@contoso.example");
    const casey = await freshPage(browser, portal);
    await openMailAndClick(casey, mail, "Activate Your Account");
    await completeActivation(casey, temporaryPasswordOf(mail), "customer passphrase one");
    await casey.getByRole("button", { name: "Microsoft Teams" }).click();
    await casey.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
    await casey.getByLabel("Email, phone, or Skype").fill("admin@contoso.example");
    await casey.getByRole("button", { name: "Next" }).click();
    await casey.getByLabel("Password").fill("Admin-Pass-123!");
    await casey.getByRole("button", { name: "Sign in" }).click();
    await casey.getByRole("button", { name: "Accept" }).click();
    await casey.waitForURL(/\/microsoft\/result\//);
    await casey.getByRole("button", { name: "Close" }).click();
    await casey.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
  });

  it("step 1: Sign in with Microsoft as admin@contoso.example lands in Contoso as Admin; step 2: Users", async () => {
    const page = await freshPage(browser, portal);
    await page.goto(`${portal.url}/sign-in`);
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
    const page = await freshPage(browser, portal);
    await page.goto(`${portal.url}/sign-in`);
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(page, "user1@contoso.example", "User-Pass-123!");
    await page.waitForURL(/\/sign-in\/microsoft\?error=unknown_user$/);
    await page.getByText("Your Microsoft account is not a user of this portal").waitFor();

    const other = await freshPage(browser, portal);
    await other.goto(`${portal.url}/sign-in`);
    await other.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(other, "admin@fabrikam.example", "Admin-Pass-123!");
    await other.waitForURL(/\/sign-in\/microsoft\?error=wrong_tenant$/);
    await other.getByText("is not connected to this portal").waitFor();
  });

  it("a partner's Admin enables Sign in with Microsoft for its own tenant; its Global Admin then signs in", async () => {
    await partner.goto(`${portal.url}/`);
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    await partner.getByText("Settings", { exact: true }).click();
    await partner.getByRole("link", { name: "Security" }).click();
    await partner.getByRole("button", { name: "Enable Sign in with Microsoft" }).click();
    await microsoftSignIn(partner, "admin@fabrikam.example", "Admin-Pass-123!");
    await partner.waitForURL(/\/sign-in\/microsoft\?enabled=1$/);
    await partner.getByText("can now sign in with Microsoft").waitFor();

    const page = await freshPage(browser, portal);
    await page.goto(`${portal.url}/sign-in`);
    await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
    await microsoftSignIn(page, "admin@fabrikam.example", "Admin-Pass-123!");
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    const session = await page.evaluate(async () => (await fetch("/api/session")).json());
    expect(session.user).toMatchObject({ email: "admin@fabrikam.example", role: "Admin" });
    expect(session.account).toMatchObject({ name: "Telco Partner", kind: "partner" });
  });
});
