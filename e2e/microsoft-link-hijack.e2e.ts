import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import { setUpOperator, signInAtMicrosoft } from "./support/guide-steps.js";
import { freshPage, latestMail, type OutboxMail, openMailAndClick } from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/**
 * Issue 17 item 1: an emailed authorization link must not let a Global Admin of another Microsoft 365 tenant
 * take over an enterprise that is already connected — not with an older link, not with a link used once, and
 * not by editing the Microsoft URL a fresh link leads to. Moving it to another tenant is an Admin's explicit act.
 */
describe("a second tenant's Global Admin cannot take over a connected enterprise through an emailed link", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let operator: Page;
  let enterpriseUrl: string;
  let olderLink: OutboxMail;
  let usedLink: OutboxMail;
  const customerIt = "it@contoso.example";

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal({ M365_EMULATOR: "on" }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
  });
  const mailsToIt = async () =>
    (
      await portal.query<{ n: number }>(`select count(*)::int as n from mail_messages where "to" = $1`, [
        customerIt,
      ])
    )[0]!.n;

  /** The partner's "Email the customer an authorization request"; returns the new mail. */
  async function sendAuthorizationRequest() {
    const before = await mailsToIt();
    await operator.getByLabel("Name", { exact: true }).fill("Contoso IT");
    await operator.getByLabel("Email", { exact: true }).fill(customerIt);
    await operator.getByRole("button", { name: "Send authorization request" }).click();
    const deadline = Date.now() + 15_000;
    while ((await mailsToIt()) === before) {
      if (Date.now() > deadline) throw new Error("the authorization request was not emailed");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return latestMail(portal, customerIt, /Authorize/);
  }

  it("the enterprise's own Global Admin connects Contoso with the newest emailed link", async () => {
    operator = await setUpOperator(browser, portal);

    await operator.getByRole("link", { name: "Enterprises" }).click();
    await operator.getByRole("button", { name: "Add Enterprise" }).click();
    const dialog = operator.getByRole("dialog");
    await dialog.getByLabel(/^Company name/).fill("Contoso");
    await dialog.getByLabel(/^Customer admin name/).fill("Casey Customer");
    await dialog.getByLabel(/^Customer admin email/).fill("casey@contoso.example");
    await dialog.getByRole("combobox", { name: "Regions" }).click();
    await operator.getByRole("option", { name: "CA Central" }).click();
    await dialog.getByRole("button", { name: "Add Enterprise" }).click();
    await operator.waitForURL(/\/a\/[0-9a-f-]{36}\/enterprise$/);
    enterpriseUrl = operator.url();

    // Two requests: the second replaces the first.
    olderLink = await sendAuthorizationRequest();
    usedLink = await sendAuthorizationRequest();
    expect(usedLink.text).toContain("The link expires in 24 hours and works once.");
    expect(usedLink.text).toMatch(/\/microsoft\/authorize#token=/);

    const customer = await freshPage(browser, portal);
    await openMailAndClick(customer, usedLink, "Connect to Microsoft Teams");
    // The token is read from the fragment, then dropped from the address bar.
    await customer.getByRole("button", { name: "Connect to Microsoft Teams" }).waitFor();
    expect(new URL(customer.url()).hash).toBe("");
    await customer.getByRole("button", { name: "Connect to Microsoft Teams" }).click();
    await signInAtMicrosoft(customer, "admin@contoso.example");
    await customer.getByRole("button", { name: "Accept" }).click();
    await customer.getByText("You have authorized the", { exact: false }).waitFor();
    await expect(customer.getByTestId("authorized-domain").textContent()).resolves.toBe("contoso.example");
    await customer.close();
  });

  it("the older link and the used link are refused before Microsoft is ever reached", async () => {
    for (const mail of [olderLink, usedLink]) {
      const attacker = await freshPage(browser, portal);
      await openMailAndClick(attacker, mail, "Connect to Microsoft Teams");
      await attacker.getByRole("button", { name: "Connect to Microsoft Teams" }).click();
      await attacker.getByText("This authorization link has expired or was already used.").waitFor();
      expect(new URL(attacker.url()).origin).toBe(portal.url);
      await attacker.close();
    }
    await operator.goto(enterpriseUrl);
    await expect(operator.getByTestId("linked-tenant-domain").textContent()).resolves.toBe("contoso.example");
  });

  it("a fresh link leads only to Contoso's sign-in, and consent from Fabrikam on an edited URL changes nothing", async () => {
    // The enterprise is disconnected, so the partner may email a new link; the enterprise still expects Contoso.
    await operator.goto(enterpriseUrl);
    await operator.getByRole("button", { name: "Disconnect", exact: true }).click();
    await operator.getByText("Disconnected from Microsoft Teams").waitFor();
    const fresh = await sendAuthorizationRequest();

    const attacker = await freshPage(browser, portal);
    await openMailAndClick(attacker, fresh, "Connect to Microsoft Teams");
    await attacker.getByRole("button", { name: "Connect to Microsoft Teams" }).click();
    await attacker.waitForURL(/\/v2\.0\/adminconsent/);
    const authorizeUrl = new URL(attacker.url());
    expect(authorizeUrl.pathname).not.toContain("organizations");
    expect(authorizeUrl.searchParams.get("domain_hint")).toBe("contoso.example");

    // Microsoft refuses a Fabrikam account on Contoso's sign-in ...
    await signInAtMicrosoft(attacker, "admin@fabrikam.example");
    await attacker.getByText(/does not exist in tenant/).waitFor();
    // ... so the attacker edits the URL to let any tenant consent, and accepts as Fabrikam's Global Admin.
    authorizeUrl.pathname = authorizeUrl.pathname.replace(/^\/[^/]+\//, "/organizations/");
    authorizeUrl.searchParams.delete("domain_hint");
    await attacker.goto(authorizeUrl.toString());
    await signInAtMicrosoft(attacker, "admin@fabrikam.example");
    await attacker.getByRole("button", { name: "Accept" }).click();
    await attacker.waitForURL(/\/microsoft\/result\//);
    await expect(attacker.getByTestId("consent-error").textContent()).resolves.toContain(
      "not the one this enterprise is connected to",
    );

    // Nothing changed: the enterprise still belongs to Contoso, and the link is spent.
    await operator.reload();
    await expect(operator.getByTestId("linked-tenant-domain").textContent()).resolves.toBe("contoso.example");
    const again = await freshPage(browser, portal);
    await openMailAndClick(again, fresh, "Connect to Microsoft Teams");
    await again.getByRole("button", { name: "Connect to Microsoft Teams" }).click();
    await again.getByText("This authorization link has expired or was already used.").waitFor();
    await again.close();
    await attacker.close();
  });

  it("moving the enterprise to Fabrikam takes a signed-in Admin's explicit, confirmed request", async () => {
    await operator.goto(enterpriseUrl);
    await operator.getByRole("button", { name: "Connect a different Microsoft 365 tenant" }).click();
    const confirm = operator.getByRole("dialog", { name: "Connect a different Microsoft 365 tenant?" });
    await confirm.getByText("recorded in the audit log").waitFor();
    await confirm.getByRole("button", { name: "Connect a different tenant" }).click();
    await operator.waitForURL(/\/organizations\/v2\.0\/adminconsent/);
    await signInAtMicrosoft(operator, "admin@fabrikam.example");
    await operator.getByRole("button", { name: "Accept" }).click();
    await operator.waitForURL(/\/microsoft\/result\//);
    await expect(operator.getByTestId("authorized-domain").textContent()).resolves.toBe("fabrikam.example");
    await operator.goto(enterpriseUrl);
    await expect(operator.getByTestId("linked-tenant-domain").textContent()).resolves.toBe(
      "fabrikam.example",
    );
  });
});
