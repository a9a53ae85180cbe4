import type { Request, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { completeActivation, createOperatorWithCli, freshPage } from "./support/identity.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * Issue 15, Idempotency-Key: the portal's API client sends one on every POST and sends the same one again when
 * the same POST is retried after getting no answer, so Save pressed again after a lost answer does not add twice.
 */
describe("a create form retried after a lost answer", () => {
  const running = usePortalAndBrowser();

  it("adds the partner once: the retry carries the same key and gets the first answer replayed", async () => {
    const { portal, browser } = running;
    const cli = await createOperatorWithCli(portal, { email: "noc@retry.example", name: "Retry Telecom" });
    const page = await freshPage(browser, portal);
    await page.goto(cli.activationUrl);
    await completeActivation(page, cli.temporaryPassword, "copper kettle meadow nine");
    await page.getByRole("link", { name: "Partners" }).click();

    // The first Add Partner reaches the server, but its answer is lost on the way back.
    const posts: Request[] = [];
    let firstStatus = 0;
    await page.route(/\/api\/accounts\/[0-9a-f-]+\/partners$/, async (route: Route) => {
      if (route.request().method() !== "POST") return route.continue();
      posts.push(route.request());
      if (posts.length > 1) return route.continue();
      firstStatus = (await route.fetch()).status();
      return route.abort("connectionreset");
    });
    const replayed = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith("/partners"),
    );

    await page.getByRole("button", { name: "Add Partner" }).click();
    await page.getByLabel(/^Company name/).fill("Lost Answer Partner");
    await page.getByLabel(/^Administrator name/).fill("Lee Lost");
    await page.getByLabel(/^Administrator email/).fill("lee@lost-answer.example");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Something went wrong. Check your connection and try again.").waitFor();
    expect(firstStatus).toBe(201);

    await page.getByRole("button", { name: "Save" }).click();
    const second = await replayed;
    expect(second.status()).toBe(201);
    expect(second.headers()["idempotent-replayed"]).toBe("true");
    const keys = await Promise.all(posts.map((post) => post.headerValue("idempotency-key")));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);

    await page.getByRole("link", { name: "Lost Answer Partner" }).waitFor();
    await page.reload();
    await page.getByRole("link", { name: "Lost Answer Partner" }).waitFor();
    expect(await page.getByRole("link", { name: "Lost Answer Partner" }).count()).toBe(1);
  });
});
