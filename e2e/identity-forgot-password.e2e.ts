import { describe, expect, it } from "vitest";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  latestMail,
  openMailAndClick,
  signInUsernameFirst,
  signOutViaMenu,
} from "./support/identity.js";
import { usePortalAndBrowser } from "./support/suite.js";

/** The customer guide's "Forgot your password?", step by step. */
describe("customer guide: forgot your password", () => {
  const suite = usePortalAndBrowser();

  it("resets the password from the email and signs in", async () => {
    const email = "it-admin@customer.example";
    const cli = await createOperatorWithCli(suite.portal, { email, name: "Customer Co" });
    const page = await freshPage(suite.browser, suite.portal);
    await page.goto(cli.activationUrl);
    await completeActivation(page, cli.temporaryPassword, "first passphrase here");
    await signOutViaMenu(page);

    // 1. On the login page, enter your email address in the Username field and click Continue with username.
    await page.getByLabel("Username").fill(email);
    await page.getByRole("button", { name: "Continue with username" }).click();
    // 2. On the next screen, click Forgot password.
    await page.getByRole("link", { name: "Forgot password" }).click();
    await page.waitForURL(/\/forgot-password/);
    // 3. Enter your username and click Send Password Reset Email.
    await page.getByLabel("Username").fill(email);
    await page.getByRole("button", { name: "Send Password Reset Email" }).click();
    await page.getByRole("status").filter({ hasText: "Reset password instructions" }).waitFor();
    // 4. Check your inbox for an email titled Reset password instructions.
    const mail = await latestMail(suite.portal, email, /^Reset password instructions$/);
    expect(mail.subject).toBe("Reset password instructions");
    // 5. Click the Set New Password link in the email.
    await openMailAndClick(page, mail, "Set New Password");
    await page.waitForURL(/\/reset-password/);
    await page.getByLabel(/^New Password/).fill("second passphrase here");
    await page.getByLabel(/^Confirm New Password/).fill("second passphrase here");
    await page.getByRole("button", { name: "Set New Password" }).click();
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    // The old password no longer works; the new one does.
    await signOutViaMenu(page);
    await page.getByLabel("Username").fill(email);
    await page.getByRole("button", { name: "Continue with username" }).click();
    await page.getByLabel(/^Password/).fill("first passphrase here");
    await page.getByRole("button", { name: "Sign In" }).click();
    await page.getByRole("alert").filter({ hasText: "The username or password is incorrect." }).waitFor();
    await signInUsernameFirst(page, email, "second passphrase here");

    // The same answer for an unknown username: nothing reveals whether an account exists.
    const other = await freshPage(suite.browser, suite.portal);
    await other.goto("/forgot-password");
    await other.getByLabel("Username").fill("nobody@customer.example");
    await other.getByRole("button", { name: "Send Password Reset Email" }).click();
    await other.getByRole("status").filter({ hasText: "Reset password instructions" }).waitFor();
    const sent = await suite.portal.query(
      `select 1 from mail_messages where "to" = 'nobody@customer.example'`,
    );
    expect(sent).toHaveLength(0);
  });
});
