import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Named, startNamed } from "../apps/server/test/support/named.js";
import { launchBrowser } from "./support/browser.js";
import { completeActivation, createOperatorWithCli, freshPage } from "./support/identity.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/** Operator settings › DNS: the operator chooses RFC 2136, tests the TSIG key against a real BIND, and saves. */
describe("operator settings: RFC 2136 DNS updates", () => {
  let portal: RunningPortal;
  let browser: Browser;
  let named: Named;
  let operator: Page;

  beforeAll(async () => {
    [portal, browser, named] = await Promise.all([startPortal(), launchBrowser(), startNamed()]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    await named?.stop();
  });

  it("a wrong secret is reported, the right one adds and deletes the check record, and the secret is kept on save", async () => {
    const cli = await createOperatorWithCli(portal, { email: "noc@orchid.example", name: "Orchid Collab" });
    operator = await freshPage(browser, portal);
    await operator.goto(cli.activationUrl);
    await completeActivation(operator, cli.temporaryPassword, "operator passphrase one");

    await operator.getByText("Settings", { exact: true }).click();
    await operator.getByRole("link", { name: "Operator settings" }).click();
    await operator.getByLabel("SBC base domain").fill(named.zone);
    await operator.getByRole("combobox", { name: "DNS for trunk subdomains" }).click();
    await operator.getByRole("option", { name: "RFC 2136 dynamic update (TSIG)" }).click();
    await operator.getByLabel("Primary DNS server").fill("127.0.0.1");
    await operator.getByLabel("DNS server port").fill(String(named.port));
    await operator.getByLabel("Zone", { exact: true }).fill(named.zone);
    await operator.getByLabel("TSIG key name").fill(named.key.name);
    await operator.getByLabel("TSIG secret").fill(Buffer.alloc(32, 5).toString("base64"));
    await operator.getByRole("button", { name: "Test", exact: true }).click();
    await operator.getByText("DNS update failed").waitFor();
    await operator.getByText(/rejected the TSIG signature \(BADSIG\)/).waitFor();

    await operator.getByLabel("TSIG secret").fill(named.key.secret);
    await operator.getByRole("button", { name: "Test", exact: true }).click();
    await operator.getByText("DNS update works").waitFor();
    await operator.getByText(`Added and deleted the TXT record _sip2teams-check.${named.zone}`).waitFor();

    await operator.getByRole("combobox", { name: "Trunk FQDN record" }).click();
    await operator.getByRole("option", { name: "A/AAAA records to the SBC's addresses" }).click();
    await operator.getByRole("combobox", { name: "SBC IP addresses" }).fill("192.0.2.10");
    await operator.keyboard.press("Enter");
    await operator.getByRole("button", { name: "Save settings" }).click();
    await operator.getByText("Operator settings saved.").waitFor();

    // After a reload the secret is not shown, and Test uses the stored one.
    await operator.reload();
    await operator.getByText("Stored encrypted. Leave empty to keep it.").waitFor();
    expect(await operator.getByLabel("TSIG secret").inputValue()).toBe("");
    await operator.getByRole("button", { name: "Test", exact: true }).click();
    await operator.getByText("DNS update works").waitFor();
  });
});
