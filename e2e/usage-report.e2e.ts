import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

const STEPS_TIMEOUT = 240_000;

/**
 * The Usage page (issue 15 scope 5): a partner adds a user with a SIP device to its enterprise, opens Usage and
 * sees the enterprise's figures for the current month, then downloads the same figures as CSV.
 */
describe("Usage page", () => {
  let portal: RunningPortal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal({ M365_EMULATOR: "on" }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

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

  it(
    "a partner opens Usage, sees its enterprise's figures and downloads them as CSV",
    async () => {
      const operator = await setUpOperator(browser, portal);
      const partner = await onboardPartner(browser, portal, operator);
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
      await expect(cell("minutes")).resolves.toBe("not available");
      await partner.getByText(/Minutes are not available yet/).waitFor();
      const total = partner.getByTestId("usage-total");
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
      expect(lines).toContain(`enterprise,${enterpriseId},Contoso,Telco Partner,0,0,1,1,`);
      expect(lines.at(-1)).toMatch(/^total,[0-9a-f-]{36},Telco Partner,,0,0,1,1,$/);
    },
    STEPS_TIMEOUT,
  );
});
