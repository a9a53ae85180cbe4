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

/** Signs in on the emulator's Microsoft pages and accepts the permissions. */
async function consentAs(page: Page, login: string) {
  await page.getByLabel("Email, phone, or Skype").fill(login);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill("Admin-Pass-123!");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.waitForURL(/\/microsoft\/result\//);
}

/** Operator settings › Carrier trunk, then an enterprise set up by the guide, then its Preflight page. */
describe("Preflight page of a set-up enterprise", () => {
  let portal: RunningPortal;
  let browser: Browser;

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

  it("the operator connects the carrier tenant, and the partner sees every Preflight line with its status", async () => {
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
    const settingsUrl = operator.url();

    // Carrier trunk: not connected, then connected by the carrier's own Global Admin, then ready.
    await expect(operator.getByTestId("carrier-trunk-state").textContent()).resolves.toBe("Not connected");
    await operator.getByRole("button", { name: "Connect the carrier tenant" }).click();
    await consentAs(operator, "admin@fabrikam.example");
    await operator.goto(settingsUrl);
    await operator.getByText("Carrier tenant: ").waitFor();
    await expect
      .poll(
        async () => {
          const state = await operator.getByTestId("carrier-trunk-state").textContent();
          if (state === "Failed") throw new Error(await operator.locator("main").innerText());
          return state;
        },
        { timeout: 60_000 },
      )
      .toBe("Ready");

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

    const mail = await latestMail(portal, "casey@contoso.example");
    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Activate Your Account");
    await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
    await consentAs(customer, "admin@contoso.example");

    await partner.goto(enterpriseUrl);
    await partner.waitForFunction(
      () => document.querySelector('[data-testid="setup-status"]')?.textContent === "completed",
      undefined,
      { timeout: 60_000 },
    );

    await partner.getByRole("link", { name: "Preflight" }).click();
    await partner.getByRole("heading", { name: "Preflight" }).waitFor();
    const table = partner.getByRole("table", { name: "Preflight checks" });
    await table.waitFor({ timeout: 60_000 });
    const status = (id: string) => table.locator(`tr[data-check="${id}"]`).getAttribute("data-status");
    for (const id of [
      "consent",
      "teams-administrator",
      "domain",
      "carrier-trunk",
      "derived-trunk",
      "pstn-usage",
      "voice-routes",
      "voice-routing-policies",
      "dial-plan",
    ]) {
      await expect(status(id), id).resolves.toBe("ok");
    }
    // No trunk record is set in Operator settings: the line says so and what the operator does about it.
    await expect(status("dns")).resolves.toBe("failed");
    await table.locator('tr[data-check="dns"]').getByText("Operator: set the trunk FQDN record").waitFor();
    await expect(table.locator("tr").count()).resolves.toBe(13);

    await partner.getByRole("button", { name: "Run again" }).click();
    await table.locator('tr[data-check="consent"]').getByText("OK").waitFor();
  });
});
