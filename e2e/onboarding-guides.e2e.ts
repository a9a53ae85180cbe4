import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import { onboardPartner, signInAtMicrosoft } from "./support/guide-steps.js";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  latestMail,
  openMailAndClick,
  temporaryPasswordOf,
} from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/** Microsoft's sign-in with an account that is not a Global Admin: "Need admin approval", and back without consent. */
async function declinedAsNonAdmin(customer: Page, login: string) {
  await signInAtMicrosoft(customer, login, "User-Pass-123!");
  await customer.getByRole("heading", { name: "Need admin approval" }).waitFor();
  await customer.getByRole("link", { name: "Return to the application without granting consent" }).click();
}

/** The same, ending on the portal's result page, which says the account is not a Global Admin. */
async function refusedAsNonAdmin(customer: Page, login: string) {
  await declinedAsNonAdmin(customer, login);
  await customer.waitForURL(/\/microsoft\/result\//);
  await expect(customer.getByTestId("consent-error").textContent()).resolves.toContain(
    "is not a Global Admin",
  );
}

/**
 * The partner's onboarding of an enterprise (Enterprises, Trunks) and the customer guide's "Authorize
 * Microsoft 365", click by click, against the built-in Microsoft 365 emulator (M365_EMULATOR=on).
 */
describe("onboarding: partner adds an enterprise, the customer connects Microsoft Teams, the setup completes", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let partner: Page;
  let enterpriseUrl: string;
  const customerAdminEmail = "casey@contoso.example";

  beforeAll(async () => {
    [portal, browser] = await Promise.all([
      startPortal({
        M365_EMULATOR: "on",
        // Microsoft's delays on, 200 times faster: subdomain activation takes ~18 s, so the checklist shows
        // "Waiting for Microsoft" and then moves on by itself.
        M365_EMULATOR_TIME_FACTOR: "0.005",
      }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("the operator sets the SBC base domain, a region and the portal name; the partner onboards an enterprise", async () => {
    const cli = await createOperatorWithCli(portal, { email: "noc@orchid.example", name: "Orchid Collab" });
    const operator = await freshPage(browser, portal);
    await operator.goto(cli.activationUrl);
    await completeActivation(operator, cli.temporaryPassword, "operator passphrase one");

    await operator.getByText("Settings", { exact: true }).click();
    await operator.getByRole("link", { name: "Operator settings" }).click();
    await operator.getByLabel("SBC base domain").fill("customers.sbc.example.net");
    await operator.getByLabel("Portal display name (consent texts)").fill("Orchid Collab Portal");
    await operator.getByRole("button", { name: "Save settings" }).click();
    await operator.getByText("Operator settings saved.").waitFor();
    await operator.getByLabel("Region name").fill("CA Central");
    await operator.getByRole("combobox", { name: "SBC FQDNs" }).fill("sbc-ca.sbc.example.net");
    await operator.keyboard.press("Enter");
    await operator.getByRole("button", { name: "Add region" }).click();
    await operator.getByRole("cell", { name: "CA Central" }).waitFor();

    // The operator creates the partner, who activates from the email.
    partner = await onboardPartner(browser, portal, operator);

    // Enterprises › Add Enterprise.
    await partner.getByRole("link", { name: "Enterprises" }).click();
    await partner.getByText("No enterprises yet").waitFor();
    await partner.getByRole("button", { name: "Add Enterprise" }).click();
    const dialog = partner.getByRole("dialog");
    await dialog.getByLabel(/^Company name/).fill("Contoso");
    await dialog.getByLabel(/^Customer admin name/).fill("Casey Customer");
    await dialog.getByLabel(/^Customer admin email/).fill(customerAdminEmail);
    await dialog.getByRole("combobox", { name: "Regions" }).click();
    await partner.getByRole("option", { name: "CA Central" }).click();
    await dialog.getByLabel("User limit").fill("25");
    await dialog.getByRole("button", { name: "Add Enterprise" }).click();
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/enterprise$/);
    enterpriseUrl = partner.url();
    await partner
      .getByText(
        "The setup starts automatically once there is a trunk profile, a Teams profile and the customer's Microsoft Teams connection.",
      )
      .waitFor();
    // The Teams profile's hint shows the rule as typed.
    await partner.getByText("^(\\d{4})$", { exact: true }).waitFor();

    // Trunk profile: an invalid label is refused on the field, then the derived FQDN is saved.
    await partner.getByLabel("Trunk label").fill("Contoso_HQ");
    await partner.getByLabel("PBX / registrar host").fill("pbx.contoso.example");
    await partner.getByLabel("SIP domain").fill("contoso.example");
    await partner.getByRole("button", { name: "Save trunk profile" }).click();
    await partner.getByText(/Use a DNS label/).waitFor();
    await partner.getByLabel("Trunk label").fill("contoso");
    await expect(partner.getByTestId("trunk-fqdn").textContent()).resolves.toContain(
      "contoso.customers.sbc.example.net",
    );
    await partner.getByRole("button", { name: "Save trunk profile" }).click();
    await partner.getByText("Trunk profile saved.").waitFor();

    // Teams profile.
    await partner.getByLabel("PBX", { exact: true }).fill("pbx.contoso.example");
    await partner.getByRole("button", { name: "Save Teams profile" }).click();
    await partner.getByText("Teams profile saved.").waitFor();
    await partner
      .getByText("The setup starts automatically once there is the customer's Microsoft Teams connection.")
      .waitFor();

    // The Trunks page lists it.
    await partner.getByRole("link", { name: "Trunks" }).click();
    await partner.getByRole("cell", { name: "contoso.customers.sbc.example.net" }).waitFor();
  });

  it("the customer follows the guide: Connect to Microsoft Teams, Accept, confirmation, Authorization page", async () => {
    // Step 1 — Activate Your Account.
    const mail = await latestMail(portal, customerAdminEmail);
    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Activate Your Account");
    await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
    // The same link again says at once that it was used, before any form.
    const usedLink = await freshPage(browser, portal);
    await openMailAndClick(usedLink, mail, "Activate Your Account");
    await usedLink.getByText("This activation link was already used or has expired.").waitFor();
    await expect(usedLink.getByLabel("Current Password").count()).resolves.toBe(0);
    await usedLink.context().close();

    // Step 3a — the Microsoft Teams icon, top right › Connect to Microsoft Teams.
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
    // First with an account that is not a Global Admin: the clear "needs a Global Admin" page.
    await refusedAsNonAdmin(customer, "user1@contoso.example");
    // Try again, from the signed-in portal page Microsoft redirected to: Microsoft asks for the sign-in again.
    await customer.getByRole("button", { name: "Try again" }).click();
    // Sign in with the Global Admin account.
    await signInAtMicrosoft(customer, "admin@contoso.example");
    // The permissions screen from Link2Teams by Cataleya Private Limited › Accept.
    await customer.getByRole("heading", { name: "Permissions requested" }).waitFor();
    await expect(customer.locator(".app-name").textContent()).resolves.toBe("Link2Teams");
    await expect(customer.locator(".publisher").textContent()).resolves.toBe("Cataleya Private Limited");
    await customer.getByRole("button", { name: "Accept" }).click();

    // Step 3b — the confirmation page.
    await customer.waitForURL(/\/microsoft\/result\//);
    await customer
      .getByText("You have authorized the Orchid Collab Portal to use the following Microsoft Account.")
      .waitFor();
    await expect(customer.getByTestId("authorized-account").textContent()).resolves.toBe(
      "admin@contoso.example",
    );
    await expect(customer.getByTestId("authorized-domain").textContent()).resolves.toBe("contoso.example");
    await customer.getByRole("button", { name: "Close" }).click();
    await customer.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    // The Microsoft Teams icon › Authorization page.
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Authorization page" }).click();
    await customer.getByText("Connection of your Microsoft 365 Account is successful!").waitFor();
  });

  it("the partner sees the Direct Routing setup checklist complete", async () => {
    await partner.goto(enterpriseUrl);
    await partner.getByTestId("setup-checklist").waitFor();
    // Microsoft activates the trunk subdomain on its own schedule: the checklist says what it waits for, with
    // Microsoft's usual and maximum delay, and carries on by itself once Teams has activated it.
    const waiting = partner.getByTestId("waiting-for-microsoft").filter({ hasText: "domain activation" });
    await waiting.waitFor({ timeout: 30_000 });
    await expect(waiting.textContent()).resolves.toMatch(
      /Waiting for Microsoft: domain activation.*at most 24 h/,
    );
    await partner.waitForFunction(
      () => document.querySelector('[data-testid="setup-status"]')?.textContent === "completed",
      undefined,
      { timeout: 60_000 },
    );
    for (const key of [
      "role",
      "domain",
      "txt",
      "dns",
      "verify",
      "trunk-dns",
      "activation-user",
      "licence",
      "pstn-usage",
      "voice-routes",
      "voice-routing-policies",
      "dial-plan",
    ]) {
      await expect(partner.getByTestId(`step-${key}`).getAttribute("data-status")).resolves.toBe("done");
    }
    await expect(partner.getByTestId("waiting-for-microsoft").count()).resolves.toBe(0);
    await partner.getByText("Connection of your Microsoft 365 Account is successful!").waitFor();
    await partner.getByRole("link", { name: "Dashboard" }).click();
    await expect(partner.getByTestId("count-connected-tenants").textContent()).resolves.toContain("1");
  });

  it("an emailed authorization request: a non-admin is refused with its own message, Try again with the Global Admin succeeds", async () => {
    // The partner adds a second customer and emails its IT an authorization request.
    await partner.goto("/");
    await partner.getByRole("link", { name: "Enterprises" }).click();
    await partner.getByRole("button", { name: "Add Enterprise" }).click();
    const dialog = partner.getByRole("dialog");
    await dialog.getByLabel(/^Company name/).fill("Fabrikam");
    await dialog.getByLabel(/^Customer admin name/).fill("Fran Fabrikam");
    await dialog.getByLabel(/^Customer admin email/).fill("fran@fabrikam.example");
    await dialog.getByRole("combobox", { name: "Regions" }).click();
    await partner.getByRole("option", { name: "CA Central" }).click();
    await dialog.getByRole("button", { name: "Add Enterprise" }).click();
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/enterprise$/);
    await partner.getByLabel("Name", { exact: true }).fill("Fabrikam IT");
    await partner.getByLabel("Email", { exact: true }).fill("it@fabrikam.example");
    await partner.getByRole("button", { name: "Send authorization request" }).click();
    await partner.getByText("Authorization request emailed to it@fabrikam.example.").waitFor();

    // The customer opens the email; the first sign-in uses an account that is not a Global Admin.
    const mail = await latestMail(portal, "it@fabrikam.example", /Authorize/);
    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Connect to Microsoft Teams");
    await customer.getByRole("button", { name: "Connect to Microsoft Teams" }).click();
    await refusedAsNonAdmin(customer, "user1@fabrikam.example");

    // Try again: Microsoft asks for the sign-in again; the Global Admin accepts.
    await customer.getByRole("button", { name: "Try again" }).click();
    await signInAtMicrosoft(customer, "admin@fabrikam.example");
    await customer.getByRole("button", { name: "Accept" }).click();
    await customer
      .getByText("You have authorized the Orchid Collab Portal to use the following Microsoft Account.")
      .waitFor();
    await expect(customer.getByTestId("authorized-domain").textContent()).resolves.toBe("fabrikam.example");
  });

  it("the Teams icon offers another Microsoft account after a non-admin attempt", async () => {
    // Fabrikam's customer admin activates and tries with an account that is not a Global Admin.
    const mail = await latestMail(portal, "fran@fabrikam.example", /Activate/);
    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Activate Your Account");
    await completeActivation(customer, temporaryPasswordOf(mail), "fabrikam passphrase one");
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
    await declinedAsNonAdmin(customer, "user1@fabrikam.example");
    await customer.getByRole("button", { name: "Back to the portal" }).click();
    await customer.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    // Microsoft Teams icon › Use another Microsoft account: Microsoft's account picker, not the same account again.
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Use another Microsoft account" }).click();
    await customer.getByRole("heading", { name: "Pick an account" }).waitFor();
    await customer.getByRole("button", { name: /user1@fabrikam\.example/ }).waitFor();
    await customer.getByRole("button", { name: "Use another account" }).click();
    await signInAtMicrosoft(customer, "admin@fabrikam.example");
    await customer.getByRole("button", { name: "Accept" }).click();
    await customer
      .getByText("You have authorized the Orchid Collab Portal to use the following Microsoft Account.")
      .waitFor();
    await expect(customer.getByTestId("authorized-account").textContent()).resolves.toBe(
      "admin@fabrikam.example",
    );
  });
});
