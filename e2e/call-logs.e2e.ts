import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureDatabase } from "../apps/server/src/db/client.js";
import { launchBrowser } from "./support/browser.js";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

const STEPS_TIMEOUT = 240_000;

/**
 * The Call logs page (issue 11, scope 2): a partner opens Call logs and sees its enterprise's calls with an
 * Enterprise column, pages with Next/Previous, filters by result and exports the filtered calls as CSV; the
 * enterprise's own Call logs have no Enterprise column. The CDR rows are written straight into the SBC
 * database's acc_cdrs as Kamailio writes them (apps/server/test/call-logs.test.ts proves Kamailio does).
 */
describe("Call logs page", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let sbcUrl: string;

  beforeAll(async () => {
    sbcUrl = await ensureDatabase(inject("postgresUrl"), `e2e_sbc_${randomBytes(6).toString("hex")}`);
    [portal, browser] = await Promise.all([
      startPortal({ M365_EMULATOR: "on", SBC_DATABASE_URL: sbcUrl }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });

  /** 54 answered calls PBX → Teams, one a minute up to ten minutes ago, and one busy call Teams → PBX now. */
  async function seedCalls(enterpriseId: string) {
    const db = new pg.Client({ connectionString: sbcUrl });
    await db.connect();
    try {
      const now = Date.now() / 1000;
      for (let i = 0; i < 54; i++) {
        const invited = now - 600 - i * 60;
        await db.query(
          `insert into acc_cdrs (s2t_direction, s2t_enterprise, s2t_fqdn, s2t_user_number, s2t_from, s2t_to,
             s2t_call_id, s2t_invited, s2t_answered, s2t_ended, s2t_code, s2t_reason, s2t_proxy)
           values ('pbx-to-teams', $1, 'contoso.customers.example.net', '+14255557201', '+14255550100',
             '+14255557201', $2, $3, $4, $5, '200', 'OK', 'sip:sip.pstnhub.microsoft.com:5061')`,
          [
            enterpriseId,
            randomUUID(),
            invited.toFixed(6),
            (invited + 2).toFixed(6),
            (invited + 65).toFixed(6),
          ],
        );
      }
      await db.query(
        `insert into acc_cdrs (s2t_direction, s2t_enterprise, s2t_fqdn, s2t_user_number, s2t_from, s2t_to,
           s2t_call_id, s2t_invited, s2t_failed, s2t_code, s2t_reason, s2t_proxy)
         values ('teams-to-pbx', $1, 'contoso.customers.example.net', '+14255557201', '+14255557201', '201',
           'busy-call', $2, $3, '486', 'Busy Here', 'sip:sip2.pstnhub.microsoft.com')`,
        [enterpriseId, now.toFixed(6), (now + 1).toFixed(6)],
      );
    } finally {
      await db.end();
    }
  }

  it(
    "a partner sees its enterprise's calls, pages, filters failed calls and exports them; the enterprise sees its own",
    async () => {
      const operator = await setUpOperator(browser, portal);
      const partner = await onboardPartner(browser, portal, operator);
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
