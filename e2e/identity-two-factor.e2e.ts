import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import {
  completeActivation,
  createOperatorWithCli,
  freshPage,
  latestMail,
  openMailAndClick,
  signOutViaMenu,
  temporaryPasswordOf,
} from "./support/identity.js";
import { usePortalAndBrowser } from "./support/suite.js";

describe("two-factor authentication in the browser", () => {
  const suite = usePortalAndBrowser();

  it("enrols with the QR code's key, signs in with a code and with a recovery code, and enforces the account policy", async () => {
    const email = "secops@operator.example";
    const password = "operator passphrase one";
    const cli = await createOperatorWithCli(suite.portal, { email, name: "Secure Telecom" });
    const page = await freshPage(suite.browser, suite.portal);
    await page.goto(cli.activationUrl);
    await completeActivation(page, cli.temporaryPassword, password);

    await page.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await page.getByRole("link", { name: "Security" }).click();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    await page.getByLabel(/^Code/).fill(await generate({ secret }));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByTestId("recovery-codes").waitFor();
    const codes = (await page.getByTestId("recovery-codes").locator("code").allTextContents()).map((c) =>
      c.trim(),
    );
    expect(codes).toHaveLength(10);
    await page.getByText("Two-factor authentication is").filter({ hasText: "on" }).waitFor();

    const signInUntilCode = async () => {
      await page.getByLabel("Username").fill(email);
      await page.getByRole("button", { name: "Continue with username" }).click();
      await page.getByLabel(/^Password/).fill(password);
      await page.getByRole("button", { name: "Sign In" }).click();
    };

    await signOutViaMenu(page);
    await signInUntilCode();
    // A code of the next time step: the one used to turn it on cannot be replayed.
    await page
      .getByLabel(/^Authentication code/)
      .fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);

    await signOutViaMenu(page);
    await signInUntilCode();
    await page.getByRole("button", { name: "Use a recovery code" }).click();
    await page.getByLabel(/^Recovery code/).fill(codes[0]!);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    const accountId = /\/a\/([0-9a-f-]{36})\//.exec(page.url())![1]!;

    // The Admin requires 2FA for the account; a newly invited colleague is sent to set it up first.
    await page.goto(`/a/${accountId}/settings/security`);
    const policy = page.getByRole("switch", {
      name: "Require two-factor authentication for every user of this account",
    });
    await policy.click();
    await expect.poll(() => policy.isChecked()).toBe(true);
    await expect
      .poll(async () => (await page.request.get(`/api/accounts/${accountId}/security`)).json())
      .toEqual({ requireTwoFactor: true });
    await page.goto(`/a/${accountId}/settings/users`);
    await page.getByRole("button", { name: "Add User" }).click();
    const dialog = page.getByRole("dialog", { name: "Add User" });
    await dialog.getByLabel(/^Name/).fill("Sam Second");
    await dialog.getByLabel(/^Email/).fill("sam@operator.example");
    await dialog.getByRole("button", { name: "Save" }).click();
    const invitation = await latestMail(suite.portal, "sam@operator.example");
    const colleague = await freshPage(suite.browser, suite.portal);
    await openMailAndClick(colleague, invitation, "Activate Your Account");
    await colleague.getByLabel(/^Current Password/).fill(temporaryPasswordOf(invitation));
    await colleague.getByLabel(/^New Password/).fill("colleague passphrase one");
    await colleague.getByLabel(/^Confirm New Password/).fill("colleague passphrase one");
    await colleague.getByRole("button", { name: "Reset Password" }).click();
    await colleague.waitForURL(/\/settings\/security$/);
    await colleague.getByText("Your account requires two-factor authentication.").waitFor();
    const blocked = await colleague.request.get(`/api/accounts/${accountId}/dashboard`);
    expect(blocked.status()).toBe(403);

    // Settings › Audit log shows what happened, filterable and exportable.
    await page.goto(`/a/${accountId}/settings/audit`);
    const events = page.getByRole("table", { name: "Audit events" });
    await events.getByText("two-factor.enabled").waitFor();
    await events.getByText("account.security-changed").waitFor();
    await page.getByLabel("Action").fill("sign-in.");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect
      .poll(async () =>
        (await events.locator("tbody code").allTextContents()).every((a) => a.startsWith("sign-in.")),
      )
      .toBe(true);
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const csv = await page.request.get(href!);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    expect(await csv.text()).toContain("sign-in.succeeded");
  });
});
