import { describe, expect, it } from "vitest";
import { setUpOperator } from "./support/guide-steps.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * The Users page's time to interactive (issue 13, item 5): its first request for users starts while the page's
 * code is still downloading (the route's loader), not after the page has loaded and rendered.
 */
describe("the Users page's first request", () => {
  const started = usePortalAndBrowser();

  it("starts before the Users page's code has arrived", async () => {
    const operator = await setUpOperator(started.browser, started.portal);
    const accountId = new URL(operator.url()).pathname.split("/")[2];
    // A new context (empty cache) signed in as the same Admin: nothing of the Users page is loaded yet.
    const context = await started.browser.newContext({ baseURL: started.portal.url });
    await context.addCookies(await operator.context().cookies());
    const page = await context.newPage();
    await page.goto(`/a/${accountId}/users`);
    await page.getByLabel("Search users").waitFor();
    const timing = await page.waitForFunction(() => {
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const code = entries.find((entry) => /\/assets\/UsersPage-[^/]+\.js$/.test(entry.name));
      const list = entries.find((entry) => /\/api\/accounts\/[^/]+\/teams-users\?/.test(entry.name));
      return code && list ? { codeArrived: code.responseEnd, listStarted: list.startTime } : false;
    });
    const arrived = await timing.jsonValue();
    if (!arrived) throw new Error("no timing for the Users page's code or its list request");
    expect(arrived.listStarted).toBeLessThan(arrived.codeArrived);
    await context.close();
  });
});
