import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { freshPage, latestMail } from "./support/identity.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * Issue 12 defect 6, the emails: they name the portal by the operator's Portal display name, as the consent pages
 * do (not "sip2teams"), and the dev mailbox shows them in UTF-8 ("·", not "Â·").
 */
describe("emails name the configured portal; the dev mailbox reads them correctly", () => {
  const suite = usePortalAndBrowser();

  /** The dev mailbox in the browser, and the message to `to` with the subject `subject`. */
  async function mailboxMessage(page: Page, to: string, subject: string) {
    await page.goto(`${suite.portal.url}/dev/mailbox`);
    await page.getByRole("heading", { name: "Dev mailbox" }).waitFor();
    expect(await page.evaluate(() => document.characterSet)).toBe("UTF-8");
    return page.locator("article").filter({ hasText: `To: ${to} · Subject: ${subject}` });
  }

  it("the invitation and the password reset say the Portal display name; the mailbox shows '·' as '·'", async () => {
    const operator = await setUpOperator(suite.browser, suite.portal);
    await operator.getByLabel("Portal display name (consent texts)").fill("Orchid Collab Portal");
    const saved = operator.waitForResponse(
      (r) => r.request().method() === "PUT" && r.url().endsWith("/operator-settings") && r.ok(),
    );
    await operator.getByRole("button", { name: "Save settings" }).click();
    await saved;
    await onboardPartner(suite.browser, suite.portal, operator);

    const page = await freshPage(suite.browser, suite.portal);
    const invitation = await mailboxMessage(
      page,
      "pat@telco-partner.example",
      "Activate your Orchid Collab Portal account",
    );
    await invitation.waitFor();
    await invitation.getByRole("heading", { name: "Orchid Collab Portal" }).waitFor();
    const invitationText = (await invitation.textContent()) ?? "";
    expect(invitationText).toContain("Orchid Collab Portal");
    expect(invitationText).not.toContain("sip2teams");
    expect(await page.locator("body").textContent()).not.toContain("Â");

    // Sign in › Forgot password: the reset email names the portal alike.
    await page.goto(`${suite.portal.url}/forgot-password`);
    await page.getByLabel("Username").fill("pat@telco-partner.example");
    await page.getByRole("button", { name: "Send Password Reset Email" }).click();
    await page.getByRole("status").filter({ hasText: "Reset password instructions" }).waitFor();
    await latestMail(suite.portal, "pat@telco-partner.example", /^Reset password instructions$/);
    const reset = await mailboxMessage(page, "pat@telco-partner.example", "Reset password instructions");
    await reset.waitFor();
    await reset.getByRole("heading", { name: "Orchid Collab Portal" }).waitFor();
    const resetText = (await reset.textContent()) ?? "";
    expect(resetText).toContain("your Orchid Collab Portal account");
    expect(resetText).not.toContain("sip2teams");
  });
});
