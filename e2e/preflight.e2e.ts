import { describe, expect, it } from "vitest";
import {
  connectMicrosoft365,
  consentAtMicrosoft,
  onboardEnterprise,
  onboardPartner,
  setUpOperator,
  waitForSetupCompleted,
} from "./support/guide-steps.js";
import { usePortalAndBrowser, withEmulator } from "./support/suite.js";

/** Operator settings › Carrier trunk, then an enterprise set up by the guide, then its Preflight page. */
describe("Preflight page of a set-up enterprise", () => {
  const suite = usePortalAndBrowser(withEmulator);

  it("the operator connects the carrier tenant, and the partner sees every Preflight line with its status", async () => {
    const operator = await setUpOperator(suite.browser, suite.portal);
    const settingsUrl = operator.url();

    // Carrier trunk: not connected, then connected by the carrier's own Global Admin, then ready.
    await expect(operator.getByTestId("carrier-trunk-state").textContent()).resolves.toBe("Not connected");
    await operator.getByRole("button", { name: "Connect the carrier tenant" }).click();
    await consentAtMicrosoft(operator, "admin@fabrikam.example");
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

    const partner = await onboardPartner(suite.browser, suite.portal, operator);
    const enterpriseUrl = await onboardEnterprise(partner);
    await connectMicrosoft365(suite.browser, suite.portal);

    await waitForSetupCompleted(partner, enterpriseUrl);

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
