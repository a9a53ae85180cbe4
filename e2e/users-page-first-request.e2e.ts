import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { onboardEnterprise, onboardPartner, setUpOperator } from "./support/guide-steps.js";
import { usePortalAndBrowser } from "./support/suite.js";

/**
 * The Users page's time to interactive (issue 13, item 5): its first request for users starts while the page's
 * code is still downloading (the route's loader), not after the page has loaded and rendered; the session, which
 * every signed-in page waits for, is asked for by the HTML itself, and so are a cold-start page's code and first
 * answers (the server names them in the page's HTML: apps/web/build/page-preloads.ts).
 */
describe("the Users page's first request", () => {
  const started = usePortalAndBrowser();
  let partner: Page | undefined;
  let enterpriseId: string | undefined;
  /**
   * A new context (empty cache) signed in as the guide's partner Admin, and the Users page of its enterprise
   * Contoso (not yet connected to Microsoft 365: its list answers, empty).
   */
  async function coldSignedInContext() {
    if (!partner) {
      const operator = await setUpOperator(started.browser, started.portal);
      partner = await onboardPartner(started.browser, started.portal, operator);
      enterpriseId = new URL(await onboardEnterprise(partner)).pathname.split("/")[2];
    }
    const context = await started.browser.newContext({ baseURL: started.portal.url });
    await context.addCookies(await partner.context().cookies());
    return { context, usersUrl: `/a/${enterpriseId}/users` };
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

  it("asks for the Users page's first page of users and its code with the HTML, once each", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const listRequests: string[] = [];
    page.on("request", (request) => {
      if (/\/api\/accounts\/[^/]+\/teams-users\?/.test(request.url())) listRequests.push(request.url());
    });
    await page.goto(usersUrl);
    await page.getByLabel("Search users").waitFor();
    const timing = await page.evaluate(() => {
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const entryCode = entries.find((e) => /\/assets\/index-[^/]+\.js$/.test(e.name));
      const pageCode = entries.find((e) => /\/assets\/UsersPage-[^/]+\.js$/.test(e.name));
      const list = entries.find((e) => /\/api\/accounts\/[^/]+\/teams-users\?/.test(e.name));
      return entryCode && pageCode && list
        ? {
            entryArrived: entryCode.responseEnd,
            pageCodeStarted: pageCode.startTime,
            listStarted: list.startTime,
          }
        : null;
    });
    if (!timing) throw new Error("no timing for the entry code, the Users page's code or its list request");
    // Named in the HTML: both start before the app's own code has even arrived, let alone run its router.
    expect(timing.listStarted).toBeLessThan(timing.entryArrived);
    expect(timing.pageCodeStarted).toBeLessThan(timing.entryArrived);
    // The page's own query took the preloaded answer: the exact URL it asks for is the one the HTML named.
    expect(listRequests).toHaveLength(1);
    await context.close();
  });

  it("asks for the dashboard's summary with the HTML, once", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const summaryRequests: string[] = [];
    page.on("request", (request) => {
      if (/\/api\/accounts\/[^/]+\/dashboard$/.test(request.url())) summaryRequests.push(request.url());
    });
    await page.goto(usersUrl.replace(/\/users$/, "/dashboard"));
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const timing = await page.evaluate(() => {
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const entryCode = entries.find((e) => /\/assets\/index-[^/]+\.js$/.test(e.name));
      const summary = entries.find((e) => /\/api\/accounts\/[^/]+\/dashboard$/.test(e.name));
      return entryCode && summary
        ? { entryArrived: entryCode.responseEnd, summaryStarted: summary.startTime }
        : null;
    });
    if (!timing) throw new Error("no timing for the entry code or the dashboard's summary");
    expect(timing.summaryStarted).toBeLessThan(timing.entryArrived);
    expect(summaryRequests).toHaveLength(1);
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
