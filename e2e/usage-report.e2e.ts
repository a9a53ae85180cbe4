import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { usePortalWithCallRecords } from "./support/call-records.js";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";

const STEPS_TIMEOUT = 240_000;

/**
 * The Usage page (issue 15 scope 5): a partner adds a user with a SIP device to its enterprise, opens Usage and
 * sees the enterprise's figures for the current month, calls made today counted in the minutes, then downloads
 * the same figures as CSV. The CDRs are written straight into the SBC database's acc_cdrs as Kamailio writes
 * them (apps/server/test/call-logs.test.ts proves Kamailio does).
 */
describe("Usage page", () => {
  const suite = usePortalWithCallRecords();

  /** Add User before Microsoft consent, by address, with one SIP device: a number and a device, calling pending. */
  async function addUserWithDevice(partner: Page, enterpriseUrl: string) {
    await partner.goto(enterpriseUrl);
    await partner.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await partner.getByRole("link", { name: "Add User" }).click();
    await partner.getByRole("heading", { name: "Add User" }).waitFor();
    await expect
      .poll(() => partner.getByLabel("PBX Locations").first().inputValue(), { timeout: 15_000 })
      .toBe("pbx.contoso.example");
    await partner.getByLabel("Teams User").first().fill("user1@contoso.example");
    await partner.getByLabel("SIP User").first().fill("201");
    await partner.keyboard.press("Escape");
    await partner.getByLabel("Phone Number").first().fill("+14255557201");
    await partner.keyboard.press("Escape");
    await partner.getByRole("button", { name: "Add New Device" }).click();
    await partner.getByLabel("SIP Authentication ID").fill("t201");
    await partner.getByRole("button", { name: "Add User" }).click();
    await partner.waitForURL(/\/users$/);
    await partner.getByTestId("user-row-user1@contoso.example").waitFor();
  }

  /** Two answered calls today, 125 s and 60 s of talk time (3 minutes), and a busy one. */
  async function seedCallsToday(enterpriseId: string) {
    const midnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) / 1000;
    const call = {
      direction: "pbx-to-teams",
      enterpriseId,
      userNumber: "+14255557201",
      from: "+14255550100",
      to: "+14255557201",
    } as const;
    await suite.insertCalls([
      { ...call, invited: midnight + 1, answered: midnight + 3, ended: midnight + 3 + 125, code: "200" },
      { ...call, invited: midnight + 300, answered: midnight + 302, ended: midnight + 302 + 60, code: "200" },
      { ...call, invited: midnight + 600, failed: midnight + 605, code: "486" },
    ]);
  }

  it(
    "a partner opens Usage, sees its enterprise's figures and today's call minutes, and downloads them as CSV",
    async () => {
      const operator = await setUpOperator(suite.browser, suite.portal);
      const partner = await onboardPartner(suite.browser, suite.portal, operator);
      const partnerHome = partner.url();
      const enterpriseUrl = await onboardEnterprise(partner);
      const enterpriseId = enterpriseUrl.split("/")[4]!;
      await addUserWithDevice(partner, enterpriseUrl);

      await partner.goto(partnerHome);
      await partner.locator("nav").getByRole("link", { name: "Usage" }).click();
      await partner.getByRole("heading", { name: "Usage", exact: true }).waitFor();
      const month = new Date().toISOString().slice(0, 7);
      const row = partner.getByTestId(`usage-enterprise-${enterpriseId}`);
      await row.waitFor();
      const cell = (column: string) => row.locator(`[data-column="${column}"]`).textContent();
      await expect(row.locator("td").first().textContent()).resolves.toBe("Contoso");
      await expect(cell("numbers")).resolves.toBe("1");
      await expect(cell("devices")).resolves.toBe("1");
      // Calling is enabled once Microsoft is connected and provisioning is done; until then it is not counted.
      await expect(cell("calling-end")).resolves.toBe("0");
      // Reading the report installed the call-log table in the SBC database; no call yet: 0 minutes, measured.
      await expect(cell("minutes")).resolves.toBe("0");
      await seedCallsToday(enterpriseId);
      await partner.reload();
      await row.waitFor();
      await expect.poll(() => cell("minutes"), { timeout: 15_000 }).toBe("3");
      await expect(partner.getByText(/Minutes (are not available|count only)/).count()).resolves.toBe(0);
      const total = partner.getByTestId("usage-total");
      await expect(total.locator('[data-column="minutes"]').textContent()).resolves.toBe("3");
      await expect(total.locator('[data-column="numbers"]').textContent()).resolves.toBe("1");
      await expect(total.textContent()).resolves.toContain("Telco Partner");

      const [download] = await Promise.all([
        partner.waitForEvent("download"),
        partner.getByRole("link", { name: "Download CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`usage-${month}.csv`);
      const csv = await readFile((await download.path())!, "utf8");
      const lines = csv.trimEnd().split("\r\n");
      expect(lines[0]).toBe(
        "Level,Account ID,Account,Parent,Calling enabled (peak),Calling enabled (end of month),Numbers assigned,SIP devices,Minutes",
      );
      expect(lines).toContain(`enterprise,${enterpriseId},Contoso,Telco Partner,0,0,1,1,3`);
      expect(lines.at(-1)).toMatch(/^total,[0-9a-f-]{36},Telco Partner,,0,0,1,1,3$/);
    },
    STEPS_TIMEOUT,
  );
});
