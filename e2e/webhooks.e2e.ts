import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser.js";
import {
  activateCustomerAdmin,
  onboardEnterprise,
  onboardPartner,
  setUpOperator,
} from "./support/guide-steps.js";
import { type RunningPortal, startPortal } from "./support/portal.js";

/** Issue 15 scope 3: a partner's Admin adds a webhook endpoint, a customer's change reaches it, signed, and shows in the log. */
describe("Settings › Webhooks", () => {
  let portal: RunningPortal;
  let browser: Browser;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    [portal, browser] = await Promise.all([
      startPortal({ WEBHOOKS_ALLOW_PRIVATE: "loopback" }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.stop();
    receiver.close();
  });

  it("an Admin adds an endpoint, sees the secret once, and a Disable Calling below shows up delivered in the log", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sip2teams`;
    const operator = await setUpOperator(browser, portal);
    const partner = await onboardPartner(browser, portal, operator);
    await onboardEnterprise(partner);

    await partner.getByRole("navigation").getByText("Settings", { exact: true }).click();
    await partner.getByRole("link", { name: "Webhooks" }).click();
    await partner.waitForURL(/\/settings\/webhooks$/);
    await partner.getByRole("button", { name: "Add endpoint" }).click();
    await partner.getByLabel("URL").fill("http://10.0.0.1/hook");
    await partner.getByLabel("calling.disabled").check();
    await partner.getByRole("button", { name: "Add endpoint" }).last().click();
    await partner.getByText(/10\.0\.0\.1, a private address/).waitFor();
    await partner.getByLabel("URL").fill(url);
    await partner.getByRole("button", { name: "Add endpoint" }).last().click();
    const shown = partner.getByTestId("webhook-secret");
    await shown.waitFor();
    const secret = (await shown.textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await partner.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    await partner.getByTestId(`endpoint-${url}`).waitFor();
    expect(await partner.content()).not.toContain(secret);

    // The customer adds a user (before consent: no Microsoft needed) and disables calling.
    const customer = await activateCustomerAdmin(browser, portal);
    await customer.locator("nav").getByRole("link", { name: "Users", exact: true }).click();
    await customer.getByRole("link", { name: "Add User" }).click();
    await customer.getByRole("heading", { name: "Add User" }).waitFor();
    await expect
      .poll(() => customer.getByLabel("PBX Locations").first().inputValue(), { timeout: 15_000 })
      .toBe("pbx.contoso.example");
    for (const [label, value] of [
      ["Teams User", "user1@contoso.example"],
      ["SIP User", "201"],
      ["Phone Number", "+14255557201"],
    ] as const) {
      await customer.getByLabel(label).first().fill(value);
      await customer.keyboard.press("Escape"); // closes the field's suggestions
    }
    await customer.getByRole("button", { name: "Add User" }).click();
    await customer.waitForURL(/\/users$/);
    await customer.getByRole("button", { name: "Actions for user1@contoso.example" }).click();
    await customer.getByRole("menuitem", { name: "Disable Calling" }).click();

    await partner.getByTestId(`endpoint-${url}`).getByRole("button", { name: "Deliveries" }).click();
    const delivery = partner.getByTestId("delivery-calling.disabled");
    await delivery.getByText("delivered").waitFor({ timeout: 60_000 });
    await expect(delivery.textContent()).resolves.toContain("204");
    expect(received).toHaveLength(1);
    const event = new Webhook(secret).verify(received[0]!.body, {
      "webhook-id": String(received[0]!.headers["webhook-id"]),
      "webhook-timestamp": String(received[0]!.headers["webhook-timestamp"]),
      "webhook-signature": String(received[0]!.headers["webhook-signature"]),
    });
    expect(event).toMatchObject({
      type: "calling.disabled",
      data: { userPrincipalName: "user1@contoso.example" },
    });

    await delivery.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => received.length, { timeout: 60_000 }).toBe(2);
    expect(received[1]!.headers["webhook-id"]).toBe(received[0]!.headers["webhook-id"]);
  });
});
