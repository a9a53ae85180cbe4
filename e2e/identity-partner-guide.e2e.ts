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

/** The partner guide, steps 1–4, click by click with the guide's labels. */
describe("partner guide: activate, log in, find your way around, invite colleagues", () => {
  const suite = usePortalAndBrowser();

  const operatorEmail = "noc@acme-telecom.example";
  const partnerEmail = "pat@telco-partner.example";
  const colleagueEmail = "chris@telco-partner.example";

  it("runs the whole journey", async () => {
    // The operator bootstraps the portal from the command line and activates its own account.
    const cli = await createOperatorWithCli(suite.portal, { email: operatorEmail, name: "Acme Telecom" });
    const operator = await freshPage(suite.browser, suite.portal);
    await operator.goto(cli.activationUrl);
    await completeActivation(operator, cli.temporaryPassword, "operator passphrase one");
    await expect(operator.getByTestId("account-switcher").textContent()).resolves.toContain("Acme Telecom");

    // The operator creates the partner through the UI.
    await operator.getByRole("link", { name: "Partners" }).click();
    await operator.getByRole("button", { name: "Add Partner" }).click();
    await operator.getByLabel(/^Company name/).fill("Telco Partner");
    await operator.getByLabel(/^Administrator name/).fill("Pat Partner");
    await operator.getByLabel(/^Administrator email/).fill(partnerEmail);
    await operator.getByRole("button", { name: "Save" }).click();
    await operator.getByRole("link", { name: "Telco Partner" }).waitFor();

    // Step 1 — Activate Your Account: open the email, click the button, temporary → new password.
    const activation = await latestMail(suite.portal, partnerEmail);
    const partner = await freshPage(suite.browser, suite.portal);
    await openMailAndClick(partner, activation, "Activate Your Account");
    await partner.waitForURL(/\/activate/);
    await completeActivation(partner, temporaryPasswordOf(activation), "partner passphrase one");

    // The activation link is single-use, and says so on opening, before any password is typed.
    const reuse = await freshPage(suite.browser, suite.portal);
    await openMailAndClick(reuse, activation, "Activate Your Account");
    await reuse.getByRole("alert").filter({ hasText: "was already used or has expired" }).waitFor();
    await expect(reuse.getByLabel(/^Current Password/).count()).resolves.toBe(0);

    // Step 2 — Log In (after signing out): username first.
    await signOutViaMenu(partner);
    await partner.getByLabel("Username").fill(partnerEmail);
    await partner.getByRole("button", { name: "Continue with username" }).click();
    await partner.getByRole("link", { name: "Forgot password" }).waitFor();
    await partner.getByLabel(/^Password/).fill("wrong passphrase here");
    await partner.getByRole("button", { name: "Sign In" }).click();
    await partner.getByRole("alert").filter({ hasText: "The username or password is incorrect." }).waitFor();
    await partner.getByLabel(/^Password/).fill("partner passphrase one");
    await partner.getByRole("button", { name: "Sign In" }).click();
    await partner.waitForURL(/\/a\/[0-9a-f-]{36}\/dashboard$/);
    const partnerAccountId = /\/a\/([0-9a-f-]{36})\//.exec(partner.url())![1]!;

    // Step 3 — Find your way around: Dashboard, Enterprises, Trunks, Settings; own company in the multitenant menu.
    await partner.getByTestId("count-enterprises").waitFor();
    for (const item of ["Dashboard", "Enterprises", "Trunks", "Settings"]) {
      await expect(
        partner.getByRole("navigation").getByText(item, { exact: true }).isVisible(),
        item,
      ).resolves.toBe(true);
    }
    await expect(partner.getByTestId("account-switcher").textContent()).resolves.toContain("Telco Partner");

    // How multitenancy works: the operator switches into the partner's environment and back.
    await operator.getByTestId("account-switcher").click();
    await operator.getByRole("menuitem", { name: "Telco Partner" }).waitFor();
    // A partner may have thousands of customers: the menu searches on the server.
    await operator.getByLabel("Search accounts").fill("telco");
    await operator.getByRole("menuitem", { name: "Telco Partner" }).click();
    await operator.waitForURL(`**/a/${partnerAccountId}/dashboard`);
    await operator.getByTestId("acting-indicator").filter({ hasText: "Acting in Telco Partner" }).waitFor();
    await operator.getByRole("button", { name: "Back to Acme Telecom" }).click();
    await operator.waitForURL(
      (url) => !url.pathname.includes(partnerAccountId) && url.pathname.endsWith("/dashboard"),
    );
    await expect(operator.getByTestId("acting-indicator").count()).resolves.toBe(0);

    // Step 4 — Invite Colleagues: Settings › User Management › Add User › name, email, User Role › Save.
    await partner.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await partner.getByRole("link", { name: "User Management" }).click();
    await partner.getByRole("heading", { name: "User Management" }).waitFor();
    await partner.getByRole("button", { name: "Add User" }).click();
    const dialog = partner.getByRole("dialog", { name: "Add User" });
    await dialog.getByLabel(/^Name/).fill("Chris Colleague");
    await dialog.getByLabel(/^Email/).fill(colleagueEmail);
    await dialog.getByLabel(/^User Role/).click();
    await partner.getByRole("option", { name: "User", exact: true }).click();
    await dialog.getByRole("button", { name: "Save" }).click();
    await partner.getByTestId(`user-${colleagueEmail}`).filter({ hasText: "invited" }).waitFor();

    // The colleague activates from their email…
    const invitation = await latestMail(suite.portal, colleagueEmail);
    const colleague = await freshPage(suite.browser, suite.portal);
    await openMailAndClick(colleague, invitation, "Activate Your Account");
    await completeActivation(colleague, temporaryPasswordOf(invitation), "colleague passphrase one");
    await partner.reload();
    await partner.getByTestId(`user-${colleagueEmail}`).filter({ hasText: "active" }).waitFor();

    // …and, with the role User, cannot open User Management: the UI hides it and the API refuses.
    await colleague.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await colleague.getByRole("link", { name: "Security" }).waitFor();
    await expect(colleague.getByRole("link", { name: "User Management" }).count()).resolves.toBe(0);
    await colleague.goto(`/a/${partnerAccountId}/settings/users`);
    await colleague.getByText("Only Admins can manage users.").waitFor();
    const api = await colleague.request.get(`/api/accounts/${partnerAccountId}/users`);
    expect(api.status()).toBe(403);
    // The colleague works in the partner's account but not above it.
    const above = await colleague.request.get(
      `/api/accounts/${/\/a\/([0-9a-f-]{36})\//.exec(operator.url())![1]}/dashboard`,
    );
    expect(above.status()).toBe(404);
  });
});
