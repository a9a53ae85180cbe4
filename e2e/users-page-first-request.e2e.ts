import { describe, expect, it } from "vitest";
import { setUpOperator } from "./support/guide-steps.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * The Users page's time to interactive (issue 13, item 5): its first request for users starts while the page's
 * code is still downloading (the route's loader), not after the page has loaded and rendered; the session, which
 * every signed-in page waits for, is asked for by the HTML itself.
 */
describe("the Users page's first request", () => {
  const started = usePortalAndBrowser();
  let operator: Awaited<ReturnType<typeof setUpOperator>> | undefined;
  /** A new context (empty cache) signed in as the guide's operator Admin; the Users page's URL. */
  async function coldSignedInContext() {
    operator ??= await setUpOperator(started.browser, started.portal);
    const accountId = new URL(operator.url()).pathname.split("/")[2];
    const context = await started.browser.newContext({ baseURL: started.portal.url });
    await context.addCookies(await operator.context().cookies());
    return { context, usersUrl: `/a/${accountId}/users` };
  }

  it("starts before the Users page's code has arrived", async () => {
    // Nothing of the Users page is loaded yet.
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    await page.goto(usersUrl);
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

  it("asks for the session with the page (preloaded), once, before the app's code has arrived", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const sessionRequests: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/session") sessionRequests.push(request.method());
    });
    await page.goto(usersUrl);
    await page.getByLabel("Search users").waitFor();
    const timing = await page.evaluate(() => {
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const entry = entries.find((e) => /\/assets\/index-[^/]+\.js$/.test(e.name));
      const session = entries.find((e) => new URL(e.name).pathname === "/api/session");
      return entry && session ? { codeArrived: entry.responseEnd, sessionStarted: session.startTime } : null;
    });
    if (!timing) throw new Error("no timing for the entry code or the session request");
    expect(timing.sessionStarted).toBeLessThan(timing.codeArrived);
    // The app's own request for the session took the preloaded answer instead of asking again.
    expect(sessionRequests).toEqual(["GET"]);
    await context.close();
  });
});
