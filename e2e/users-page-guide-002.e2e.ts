import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import {
  activateCustomerAdmin,
  connectFromTeamsMenu,
  onboardEnterprise,
  onboardPartner,
  setUpOperator,
  waitForSetupCompleted,
} from "./support/guide-steps.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/** The user the Direct Routing setup creates in the trunk subdomain (direct-routing-setup, step activation-user). */
const ACTIVATION_ACCOUNT = "teams-activation@contoso.customers.sbc.example.net";

/**
 * Guide 002 on the Users page and in Add User, as the customer's Admin sees them (issue 12 defects 4 and 6):
 * a user added before consent shows "Waiting for consent" once; after the Direct Routing setup, its activation
 * account is synced but never offered as a Teams user; the list is sorted by the names it shows.
 */
describe("guide 002: the Users page and Add User's Teams User list", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let partner: Page;
  let customer: Page;
  let enterpriseUrl: string;
  let usersUrl: string;

  beforeAll(async () => {
    // The built-in emulator with Microsoft's delays on, scaled (subdomain activation, Teams provisioning).
    [portal, browser] = await Promise.all([startPortal({ M365_EMULATOR: "on" }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  it("a customer's Admin sees nothing about enterprises: no Enterprises count on the dashboard, none in the menu", async () => {
    const operator = await setUpOperator(browser, portal);
    partner = await onboardPartner(browser, portal, operator);
    enterpriseUrl = await onboardEnterprise(partner);
    customer = await activateCustomerAdmin(browser, portal);

    await customer.getByTestId("count-trunk-profiles").waitFor();
    await expect(customer.getByTestId("count-enterprises").count()).resolves.toBe(0);
    await expect(customer.locator("nav").getByRole("link", { name: "Enterprises" }).count()).resolves.toBe(0);
    await expect(customer.locator("nav").getByRole("link", { name: "Trunks" }).count()).resolves.toBe(0);
    // The partner's own dashboard still counts its enterprises.
    await partner.goto("/");
    await partner.getByTestId("count-enterprises").getByText("1", { exact: true }).waitFor();
  });

  it("before consent, a user added by address shows Waiting for consent once, in Last provisioning", async () => {
    await customer.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await customer.getByText("Not connected to Microsoft Teams").waitFor();
    await customer.getByRole("link", { name: "Add User" }).click();
    await customer.getByRole("heading", { name: "Add User" }).waitFor();
    await customer.getByText("This enterprise has not connected Microsoft Teams yet").waitFor();
    await expect
      .poll(() => customer.getByLabel("PBX Locations").first().inputValue(), { timeout: 15_000 })
      .toBe("pbx.contoso.example");
    await customer.getByLabel("Teams User").first().fill("user1@contoso.example");
    await customer.getByLabel("SIP User").first().fill("201");
    await customer.keyboard.press("Escape");
    await customer.getByLabel("Phone Number").first().fill("+14255557201");
    await customer.keyboard.press("Escape");
    await customer.getByRole("button", { name: "Add User" }).click();
    await customer.waitForURL(/\/users$/);
    usersUrl = customer.url();

    const row = customer.getByTestId("user-row-user1@contoso.example");
    await row.getByText("Waiting for consent", { exact: true }).first().waitFor();
    // Once: the Calling column says what is on its way (Enabling), Last provisioning says why it waits.
    await expect(row.getByText("Waiting for consent", { exact: true }).count()).resolves.toBe(1);
    await expect(row.locator("td").nth(5).textContent()).resolves.toContain("Waiting for consent");
    await expect(row.locator("td").nth(4).textContent()).resolves.toBe("Enabling");
  });

  it("after the setup, the Direct Routing activation account is synced as not eligible and never offered in Add User", async () => {
    await connectFromTeamsMenu(customer);
    await waitForSetupCompleted(partner, enterpriseUrl);

    // Users › Sync Teams Users: the activation account the setup created comes in, marked with its reason.
    await customer.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await customer.getByLabel("Search users").fill("teams-activation");
    // (Enabled again once the first visit's own sync, if one started, has finished.)
    await customer.getByRole("button", { name: "Sync Teams Users" }).click({ timeout: 120_000 });
    const activationRow = customer.getByTestId(`user-row-${ACTIVATION_ACCOUNT}`);
    await activationRow.waitFor({ timeout: 120_000 });
    await activationRow.getByText(/^Direct Routing activation account/).waitFor();

    // Not among the eligible users that are not added yet (the list empties once that query has answered).
    await customer.getByRole("combobox", { name: "Filter" }).selectOption({ label: "Eligible, not added" });
    await customer.getByText("No users match.").waitFor();
    await expect(activationRow.count()).resolves.toBe(0);

    // Add User › Teams User: an ordinary licensed user is offered; the activation account is not, by address or name.
    await customer.getByRole("link", { name: "Add User" }).click();
    await customer.getByRole("heading", { name: "Add User" }).waitFor();
    const teamsUser = customer.getByLabel("Teams User").first();
    const offered = async (search: string) => {
      const answer = customer.waitForResponse(
        (r) =>
          r.url().includes("/teams-users/eligible?") &&
          new URL(r.url()).searchParams.get("q") === search &&
          r.status() === 200,
      );
      await teamsUser.fill(search);
      return ((await (await answer).json()) as { userPrincipalName: string }[]).map(
        (u) => u.userPrincipalName,
      );
    };
    expect(await offered("admin@")).toEqual(["admin@contoso.example"]);
    await customer.getByRole("option", { name: /admin@contoso\.example/ }).waitFor();
    for (const search of ["teams-activation", "activation", "Teams Direct Routing"]) {
      expect(await offered(search)).not.toContain(ACTIVATION_ACCOUNT);
      await customer.getByText("No eligible user matches").waitFor();
      await expect(customer.getByRole("option", { name: /activation/i }).count()).resolves.toBe(0);
    }
  });

  it("the Users page shows names and sorts by them, not by address", async () => {
    await customer.goto(usersUrl);
    await customer.getByTestId("user-row-admin@contoso.example").waitFor();
    const rows = await customer.locator('[data-testid^="user-row-"]').evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.querySelector("td > :first-child")?.textContent ?? "",
        address: tr.getAttribute("data-testid")!.replace("user-row-", ""),
      })),
    );
    expect(rows.length).toBeGreaterThan(20);
    // The first column shows the display name ("Contoso Administrator"), not the address.
    expect(rows.find((r) => r.address === "admin@contoso.example")?.name).toBe("Contoso Administrator");
    // Sorted by the shown name. Compared by initial, which every database collation orders alike.
    const initials = rows.map((r) => r.name.charAt(0).toLowerCase());
    expect(initials).toEqual([...initials].sort());
    // The demo tenant's names and addresses sort differently ("Contoso Administrator" is admin@ among the A's), so
    // address order could not pass the line above.
    const byAddress = [...rows]
      .sort((a, b) => (a.address < b.address ? -1 : 1))
      .map((r) => r.name.charAt(0).toLowerCase());
    expect(byAddress).not.toEqual([...byAddress].sort());
  });
});
