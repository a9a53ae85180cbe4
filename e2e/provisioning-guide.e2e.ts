import { request } from "node:https";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../apps/server/src/db/embedded-postgres.js";
import { launchBrowser } from "./support/browser.js";
import { onboardPartner, setUpOperator, waitForSetupCompleted } from "./support/guide-steps.js";
import {
  completeActivation,
  freshPage,
  latestMail,
  openMailAndClick,
  temporaryPasswordOf,
} from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

const CONTOSO_TENANT = "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01";

interface LogLine {
  method: string;
  path: string;
  status: number;
  surface: string;
  body: unknown;
}

/** The built-in emulator's request log for a tenant (its CA is the portal's; this process skips the check). */
function emulatorLog(port: number): Promise<LogLine[]> {
  return new Promise((resolve, reject) => {
    request(
      `https://localhost:${port}/_emulator/tenants/${CONTOSO_TENANT}/requests`,
      { rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          resolve(Array.isArray(body) ? body : body.requests);
        });
      },
    )
      .on("error", reject)
      .end();
  });
}

/**
 * Guide 002 "Add New Users to Microsoft Teams Phone Connector", click by click, in the customer's
 * (Teams Connector) portal and in the partner's portal, against the built-in Microsoft 365 emulator.
 */
describe("guide 002: add users in both portals, sync, and calling enabled", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let partner: Page;
  let customer: Page;
  let emulatorPort: number;
  let enterpriseUrl: string;

  beforeAll(async () => {
    emulatorPort = await freePort();
    [portal, browser] = await Promise.all([
      startPortal({ M365_EMULATOR: "on", M365_EMULATOR_PORT: String(emulatorPort) }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("requirements: steps 1-3 of onboarding (enterprise, trunk, Teams profile, consent, setup done)", async () => {
    // The operator with the regions CA Central (setUpOperator) and US West.
    const operator = await setUpOperator(browser, portal);
    await operator.getByLabel("Region name").first().fill("US West");
    await operator.getByLabel("SBC FQDNs").first().fill("sbc-usw.sbc.example.net");
    await operator.keyboard.press("Enter");
    await operator.getByRole("button", { name: "Add region" }).click();
    await operator.getByRole("cell", { name: "US West" }).waitFor();
    partner = await onboardPartner(browser, portal, operator);

    await partner.getByRole("link", { name: "Enterprises" }).click();
    await partner.getByRole("button", { name: "Add Enterprise" }).click();
    const dialog = partner.getByRole("dialog");
    await dialog.getByLabel(/^Company name/).fill("Contoso");
    await dialog.getByLabel(/^Customer admin name/).fill("Casey Customer");
    await dialog.getByLabel(/^Customer admin email/).fill("casey@contoso.example");
    await dialog.getByLabel("Regions").click();
    await partner.getByRole("option", { name: "CA Central" }).click();
    await partner.getByRole("option", { name: "US West" }).click();
    await dialog.getByLabel("User limit").fill("25");
    await dialog.getByRole("button", { name: "Add Enterprise" }).click();
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/enterprise$/);
    enterpriseUrl = partner.url();
    await partner.getByLabel("Trunk label").fill("contoso");
    await partner.getByLabel("PBX / registrar host").fill("pbx.contoso.example");
    await partner.getByLabel("SIP domain").fill("contoso.example");
    await partner.getByRole("button", { name: "Save trunk profile" }).click();
    await partner.getByText("Trunk profile saved.").waitFor();
    await partner.getByLabel("PBX", { exact: true }).fill("pbx.contoso.example");
    await partner.getByRole("button", { name: "Save Teams profile" }).click();
    await partner.getByText("Teams profile saved.").waitFor();
    // The enterprise page: one "SBC status" heading; the PBX directory from a CSV (guide 002 4.5's caller IDs).
    await partner.getByRole("button", { name: "Sync now" }).first().waitFor();
    await expect(partner.getByRole("heading", { name: "SBC status" }).count()).resolves.toBe(1);
    await partner
      .locator('input[type="file"]')
      .first()
      .setInputFiles({
        name: "pbx-users.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          "extension,name,default_caller_id\n201,User One,+14255557201\n202,Second User,+14255557202\n",
        ),
      });
    await partner.getByRole("button", { name: "Import PBX users" }).click();
    await partner.getByText("2 PBX user(s) imported.").waitFor();
    await partner.getByTestId("pbx-directory").getByRole("cell", { name: "+14255557202" }).waitFor();

    const mail = await latestMail(portal, "casey@contoso.example");
    customer = await freshPage(browser, portal);
    await openMailAndClick(customer, mail, "Activate Your Account");
    await completeActivation(customer, temporaryPasswordOf(mail), "customer passphrase one");
    await customer.getByRole("button", { name: "Microsoft Teams" }).click();
    await customer.getByRole("menuitem", { name: "Connect to Microsoft Teams" }).click();
    await customer.getByLabel("Email, phone, or Skype").fill("admin@contoso.example");
    await customer.getByRole("button", { name: "Next" }).click();
    await customer.getByLabel("Password").fill("Admin-Pass-123!");
    await customer.getByRole("button", { name: "Sign in" }).click();
    await customer.getByRole("button", { name: "Accept" }).click();
    await customer.waitForURL(/\/microsoft\/result\//);
    await customer.getByRole("button", { name: "Close" }).click();
    await customer.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    await waitForSetupCompleted(partner, enterpriseUrl);
  });

  /** Steps 3-5 (customer) and 2-4 (partner): the Add User form, field by field. */
  async function addUser(
    page: Page,
    who: {
      search: string;
      upn: string;
      sipUser: string;
      number: string;
      route: string;
      takenSipUser?: string;
    },
  ) {
    await page.getByRole("link", { name: "Add User" }).click();
    await page.getByRole("heading", { name: "Add User" }).waitFor();
    // 4.1 PBX Locations: the name of the configured PBX (usually the only option, preselected).
    await expect
      .poll(() => page.getByLabel("PBX Locations").first().inputValue(), { timeout: 15_000 })
      .toBe("pbx.contoso.example");
    // 4.2 Available Voice Routes.
    await page.getByLabel("Available Voice Routes").first().click();
    await page.getByRole("option", { name: who.route }).click();
    // 4.3 Teams User: search as you type; only licensed users appear.
    await page.getByText("Only users with a Teams Phone licence").waitFor();
    await page.getByLabel("Teams User").first().fill(who.search);
    await page.getByRole("option", { name: new RegExp(who.upn.replace(".", "\\.")) }).click();
    // 4.4 SIP User (from the PBX directory), 4.5 Phone Number auto-populates with its default caller ID.
    const phone = page.getByLabel("Phone Number").first();
    await page
      .getByLabel("SIP User")
      .first()
      .fill(who.takenSipUser ?? who.sipUser);
    await page.keyboard.press("Escape");
    if (who.takenSipUser) {
      // A SIP User already assigned is refused on its field; correcting it drops the error at once.
      await page.getByRole("button", { name: "Add User" }).click();
      const taken = page.getByText(`SIP user ${who.takenSipUser} is already assigned`);
      await taken.waitFor();
      await page.getByLabel("SIP User").first().fill(who.sipUser);
      await page.keyboard.press("Escape");
      await taken.waitFor({ state: "detached" });
    }
    await expect.poll(() => phone.inputValue(), { timeout: 15_000 }).toBe(who.number);
    // 4.6 and 4.7: both boxes checked.
    await expect(page.getByLabel("Disable Voicemail in Teams?").isChecked()).resolves.toBe(true);
    await expect(page.getByLabel("Assign Default DialPlan Policy?").isChecked()).resolves.toBe(true);
    // 4.8 User Devices › Add New Device: SIP Authentication ID and a 20-character alphanumeric password.
    await page.getByRole("button", { name: "Add New Device" }).click();
    await page.getByLabel("SIP Authentication ID").fill(`t${who.sipUser}`);
    const password = page.getByLabel("Password", { exact: true });
    // Masked while typed, with a show toggle.
    await expect(password.getAttribute("type")).resolves.toBe("password");
    const generated = await password.inputValue();
    expect(generated).toMatch(/^[A-Za-z0-9]{20}$/);
    await page.getByRole("button", { name: "Show password" }).click();
    await expect(password.getAttribute("type")).resolves.toBe("text");
    // Action: Select › Generate password.
    await page.getByLabel("Action", { exact: true }).first().click();
    await page.getByRole("option", { name: "Generate password" }).click();
    await expect.poll(() => password.inputValue()).not.toBe(generated);
    expect(await password.inputValue()).toMatch(/^[A-Za-z0-9]{20}$/);
    // 5. Add User.
    await page.getByRole("button", { name: "Add User" }).click();
    await page.waitForURL(/\/users$/);
    await page.getByTestId(`user-row-${who.upn}`).waitFor();
  }

  async function expectCallingEnabled(page: Page, upn: string) {
    const row = page.getByTestId(`user-row-${upn}`);
    await row.getByText("Enabled", { exact: true }).waitFor({ timeout: 60_000 });
    await row.getByRole("button", { name: `Actions for ${upn}` }).click();
    await page.getByRole("menuitem", { name: "Disable Calling" }).waitFor();
    await page.keyboard.press("Escape");
  }

  it("Teams Connector portal: Users › Add User, Dashboard › Sync Teams Users, Users › Disable Calling shown", async () => {
    // The customer's menu has no Enterprises or Trunks.
    await customer.locator("nav").getByRole("link", { name: "Dashboard" }).waitFor();
    await expect(customer.locator("nav").getByRole("link", { name: "Enterprises" }).count()).resolves.toBe(0);
    await expect(customer.locator("nav").getByRole("link", { name: "Trunks" }).count()).resolves.toBe(0);
    // 2. Users in the main menu.
    await customer.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await customer.getByTestId("user-row-user1@contoso.example").waitFor({ timeout: 30_000 });
    // 3-5. Add User.
    await addUser(customer, {
      search: "user1@",
      upn: "user1@contoso.example",
      sipUser: "201",
      number: "+14255557201",
      route: "CA Central",
    });
    // 6-7. Dashboard › Sync Teams Users (present as an action item).
    await customer.getByRole("link", { name: "Dashboard" }).click();
    await customer.getByRole("link", { name: "Sync Teams Users" }).click();
    await customer.waitForURL(/\/users/);
    await customer
      .getByTestId("sync-status")
      .getByText(/Last sync/)
      .waitFor({ timeout: 30_000 });
    // 8. Users › the user's row › "…": Disable Calling (calling was enabled automatically).
    await expectCallingEnabled(customer, "user1@contoso.example");
  });

  it("Partner portal: Enterprises › the tenant › Users › Add User", async () => {
    await partner.goto("/");
    await partner.waitForURL(/\/dashboard$/);
    await partner.getByRole("link", { name: "Enterprises" }).click();
    await partner.getByRole("cell", { name: "Contoso", exact: true }).click();
    await partner.waitForURL(/\/enterprise$/);
    await partner.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await partner.getByTestId("user-row-user1@contoso.example").waitFor();
    const second = await partner.evaluate(async () => {
      const accountId = location.pathname.split("/")[2];
      const r = await fetch(`/api/accounts/${accountId}/teams-users/eligible?q=`);
      return ((await r.json()) as { userPrincipalName: string }[])[0]!.userPrincipalName;
    });
    await addUser(partner, {
      search: second.split("@")[0]!,
      upn: second,
      takenSipUser: "201",
      sipUser: "202",
      number: "+14255557202",
      route: "US West",
    });
    await expectCallingEnabled(partner, second);
    // The customer sees it too, with calling enabled.
    await customer.reload();
    await expectCallingEnabled(customer, second);

    // The emulator's request log: number assigned, policy and dial plan granted, voicemail off, per user.
    const log = await emulatorLog(emulatorPort);
    for (const number of ["+14255557201", "+14255557202"]) {
      const assigns = log.filter(
        (l) =>
          l.method === "POST" && l.path.endsWith("/assignNumber") && JSON.stringify(l.body).includes(number),
      );
      expect(assigns).toHaveLength(1);
      expect(assigns[0]!.status).toBe(202);
    }
    const grants = log
      .filter((l) => l.path.endsWith("/policy/userAssignments/assign"))
      .map((l) => JSON.stringify(l.body));
    expect(grants.filter((g) => g.includes("OnlineVoiceRoutingPolicy"))).toHaveLength(2);
    expect(grants.filter((g) => g.includes("TenantDialPlan"))).toHaveLength(2);
    const voicemail = log.filter(
      (l) => l.surface === "pwsh" && JSON.stringify(l.body).includes("Set-CsOnlineVoicemailUserSettings"),
    );
    expect(voicemail).toHaveLength(2);
    expect(voicemail.every((l) => JSON.stringify(l.body).includes("VoicemailEnabled"))).toBe(true);

    // Still acting in Contoso, the partner's Enterprises is the partner's list again.
    await partner.locator("nav").getByRole("link", { name: "Enterprises" }).click();
    await partner.getByRole("cell", { name: "Contoso", exact: true }).waitFor();
  });

  it("Users › Disable Calling: Microsoft releases the number, the row shows none", async () => {
    const row = customer.getByTestId("user-row-user1@contoso.example");
    await expect(row.getByTestId("phone-number").textContent()).resolves.toBe("+14255557201");
    await row.getByRole("button", { name: "Actions for user1@contoso.example" }).click();
    await customer.getByRole("menuitem", { name: "Disable Calling" }).click();
    await row.getByText("Disabled", { exact: true }).waitFor({ timeout: 60_000 });
    await expect(row.getByTestId("phone-number").textContent()).resolves.toBe("");
  });
});
