import type { Browser, Page } from "playwright-core";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  latestMail,
  openMailAndClick,
  temporaryPasswordOf,
} from "./identity.js";
import type { RunningPortal } from "./portal.js";

/**
 * Onboarding steps that browser tests need as their starting point (the guides themselves spell them out click by
 * click in onboarding-guides.e2e.ts and provisioning-guide.e2e.ts).
 */

/** Microsoft's sign-in screens (the emulator's): account, Next, password, Sign in. */
export async function signInAtMicrosoft(page: Page, login: string, password = "Admin-Pass-123!") {
  await page.getByLabel("Email, phone, or Skype").fill(login);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in at Microsoft as a Global Admin and accepts the permissions; waits for the portal's result page. */
export async function consentAtMicrosoft(page: Page, login: string) {
  await signInAtMicrosoft(page, login);
  await page.getByRole("button", { name: "Accept" }).click();
  await page.waitForURL(/\/microsoft\/result\//);
}

/** The operator from the CLI, activated, with the SBC base domain and the region CA Central; its page. */
export async function setUpOperator(browser: Browser, portal: RunningPortal): Promise<Page> {
  const cli = await createOperatorWithCli(portal, { email: "noc@orchid.example", name: "Orchid Collab" });
  const operator = await freshPage(browser, portal);
  await operator.goto(cli.activationUrl);
  await completeActivation(operator, cli.temporaryPassword, "operator passphrase one");
  await operator.getByText("Settings", { exact: true }).click();
  await operator.getByRole("link", { name: "Operator settings" }).click();
  await operator.waitForURL(/\/operator-settings$/);
  await operator.getByLabel("SBC base domain").fill("customers.sbc.example.net");
  await operator.getByRole("button", { name: "Save settings" }).click();
  await operator.getByText("Operator settings saved.").waitFor();
  await operator.getByLabel("Region name").first().fill("CA Central");
  await operator.getByLabel("SBC FQDNs").first().fill("sbc-ca.sbc.example.net");
  await operator.keyboard.press("Enter");
  await operator.getByRole("button", { name: "Add region" }).click();
  await operator.getByRole("cell", { name: "CA Central" }).waitFor();
  return operator;
}

/** The operator adds the partner Telco Partner, whose Admin activates from the email; the partner's page. */
export async function onboardPartner(browser: Browser, portal: RunningPortal, operator: Page): Promise<Page> {
  await operator.getByRole("link", { name: "Partners" }).click();
  await operator.getByRole("button", { name: "Add Partner" }).click();
  await operator.getByLabel(/^Company name/).fill("Telco Partner");
  await operator.getByLabel(/^Administrator name/).fill("Pat Partner");
  await operator.getByLabel(/^Administrator email/).fill("pat@telco-partner.example");
  await operator.getByRole("button", { name: "Save" }).click();
  await operator.getByRole("link", { name: "Telco Partner" }).waitFor();
  const partnerMail = await latestMail(portal, "pat@telco-partner.example");
  const partner = await freshPage(browser, portal);
  await openMailAndClick(partner, partnerMail, "Activate Your Account");
  await completeActivation(partner, temporaryPasswordOf(partnerMail), "partner passphrase one");
  return partner;
}

/**
 * The partner adds the enterprise Contoso (customer admin casey@contoso.example, CA Central, 25 users) and saves
 * its trunk profile and Teams profile; returns the enterprise page's URL.
 */
export async function onboardEnterprise(partner: Page): Promise<string> {
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
  const enterpriseUrl = partner.url();
  await partner.getByLabel("Trunk label").fill("contoso");
  await partner.getByLabel("PBX / registrar host").fill("pbx.contoso.example");
  await partner.getByLabel("SIP domain").fill("contoso.example");
  await partner.getByRole("button", { name: "Save trunk profile" }).click();
  await partner.getByText("Trunk profile saved.").waitFor();
  await partner.getByLabel("PBX", { exact: true }).fill("pbx.contoso.example");
  await partner.getByRole("button", { name: "Save Teams profile" }).click();
  await partner.getByText("Teams profile saved.").waitFor();
  return enterpriseUrl;
}

/**
 * Contoso's first Admin activates from the email and connects Microsoft 365 (admin consent by the tenant's Global
 * Admin); returns the customer's page on the consent result.
 */
export async function connectMicrosoft365(browser: Browser, portal: RunningPortal): Promise<Page> {
  const mail = await latestMail(portal, "casey@contoso.example");
  const customer = await freshPage(browser, portal);
  await openMailAndClick(customer, mail, "Activate Your Account");
  await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
  await customer.getByRole("button", { name: "Microsoft Teams" }).click();
  await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
  await consentAtMicrosoft(customer, "admin@contoso.example");
  return customer;
}

/** Contoso's first Admin activates from the email, before any Microsoft 365 connection; the customer's page. */
export async function activateCustomerAdmin(browser: Browser, portal: RunningPortal): Promise<Page> {
  const mail = await latestMail(portal, "casey@contoso.example");
  const customer = await freshPage(browser, portal);
  await openMailAndClick(customer, mail, "Activate Your Account");
  await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
  return customer;
}

/** The Microsoft Teams icon › Connect to Microsoft Teams, accepted by the Global Admin; back on the dashboard. */
export async function connectFromTeamsMenu(customer: Page, login = "admin@contoso.example") {
  await customer.getByRole("button", { name: "Microsoft Teams" }).click();
  await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
  await consentAtMicrosoft(customer, login);
  await customer.getByRole("button", { name: "Close" }).click();
  await customer.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
}

/** The enterprise page's Direct Routing setup checklist reaches "completed" (Microsoft's scaled delays included). */
export async function waitForSetupCompleted(page: Page, enterpriseUrl: string) {
  await page.goto(enterpriseUrl);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="setup-status"]')?.textContent === "completed",
    undefined,
    { timeout: 180_000 },
  );
}
