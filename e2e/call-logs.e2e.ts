import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { usePortalWithCallRecords } from "./support/call-records.js";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";

const STEPS_TIMEOUT = 240_000;

/**
 * The Call logs page (issue 11, scope 2): a partner opens Call logs and sees its enterprise's calls with an
 * Enterprise column, pages with Next/Previous, filters by result and exports the filtered calls as CSV; the
 * enterprise's own Call logs have no Enterprise column. The CDR rows are written straight into the SBC
 * database's acc_cdrs as Kamailio writes them (apps/server/test/call-logs.test.ts proves Kamailio does).
 */
describe("Call logs page", () => {
  const suite = usePortalWithCallRecords();

  /** 54 answered calls PBX → Teams, one a minute up to ten minutes ago, and one busy call Teams → PBX now. */
  async function seedCalls(enterpriseId: string) {
    const now = Date.now() / 1000;
    const contoso = { enterpriseId, userNumber: "+14255557201" };
    await suite.insertCalls([
      ...Array.from({ length: 54 }, (_, i) => {
        const invited = now - 600 - i * 60;
        return {
          ...contoso,
          direction: "pbx-to-teams" as const,
          from: "+14255550100",
          to: "+14255557201",
          invited,
          answered: invited + 2,
          ended: invited + 65,
          code: "200",
          reason: "OK",
          proxy: "sip:sip.pstnhub.microsoft.com:5061",
        };
      }),
      {
        ...contoso,
        direction: "teams-to-pbx",
        from: "+14255557201",
        to: "201",
        callId: "busy-call",
        invited: now,
        failed: now + 1,
        code: "486",
        reason: "Busy Here",
        proxy: "sip:sip2.pstnhub.microsoft.com",
      },
    ]);
  }

  it(
    "a partner sees its enterprise's calls, pages, filters failed calls and exports them; the enterprise sees its own",
    async () => {
      const operator = await setUpOperator(suite.browser, suite.portal);
      const partner = await onboardPartner(suite.browser, suite.portal, operator);
      const partnerHome = partner.url();
      const enterpriseUrl = await onboardEnterprise(partner);
      const enterpriseId = enterpriseUrl.split("/")[4]!;

      await partner.goto(partnerHome);
      await partner.locator("nav").getByRole("link", { name: "Call logs" }).click();
      await partner.getByRole("heading", { name: "Call logs", exact: true }).waitFor();
      // Opening the page installed the call-log table in the SBC database; no call yet.
      await partner.getByText(/No calls match/).waitFor();
      await seedCalls(enterpriseId);

      await partner.reload();
      const rows = partner.locator('table[aria-label="Call logs"] tbody tr');
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(50);
      await expect(partner.getByRole("columnheader", { name: "Enterprise" }).count()).resolves.toBe(1);
      const newest = rows.first();
      await expect(newest.textContent()).resolves.toContain("Teams → PBX");
      await expect(newest.textContent()).resolves.toContain("Contoso");
      await expect(newest.textContent()).resolves.toContain("486 Busy Here");
      await expect(newest.textContent()).resolves.toContain("sip2.pstnhub.microsoft.com");

      await partner.getByRole("button", { name: "Next" }).click();
      await partner.getByText("Page 2").waitFor();
      await expect.poll(() => rows.count()).toBe(5);
      await expect(rows.first().textContent()).resolves.toContain("1:03");
      await partner.getByRole("button", { name: "Previous" }).click();
      await partner.getByText("Page 1").waitFor();
      await expect.poll(() => rows.count()).toBe(50);

      await partner.getByRole("combobox", { name: "Result" }).click();
      await partner.getByRole("option", { name: "Failed" }).click();
      await expect.poll(() => rows.count()).toBe(1);
      const [download] = await Promise.all([
        partner.waitForEvent("download"),
        partner.getByRole("link", { name: "Export CSV" }).click(),
      ]);
      const csv = (await readFile((await download.path())!, "utf8")).trimEnd().split("\r\n");
      expect(csv).toHaveLength(2);
      expect(csv[1]).toContain(",Teams to PBX,failed,486,Busy Here,+14255557201,201,");
      expect(csv[1]).toContain(
        ",Contoso,contoso.customers.example.net,sip:sip2.pstnhub.microsoft.com,busy-call",
      );

      // Acting in the enterprise: its own calls, without the Enterprise column.
      await partner.goto(`${enterpriseUrl.replace(/\/enterprise$/, "")}/call-logs`);
      await partner.getByRole("heading", { name: "Call logs", exact: true }).waitFor();
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(50);
      await expect(partner.getByRole("columnheader", { name: "Enterprise" }).count()).resolves.toBe(0);
    },
    STEPS_TIMEOUT,
  );
});
