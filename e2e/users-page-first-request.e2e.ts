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

  /** The URLs a page requests that match `pattern`, from now on. */
  function requestsTo(page: Page, pattern: RegExp) {
    const urls: string[] = [];
    page.on("request", (request) => {
      if (pattern.test(request.url())) urls.push(request.url());
    });
    return urls;
  }

  /** When the first resource matching each pattern started and arrived (ms from navigation). */
  async function resourceTimes<K extends string>(page: Page, patterns: Record<K, RegExp>) {
    const sources = Object.fromEntries(Object.entries(patterns).map(([k, re]) => [k, (re as RegExp).source]));
    const times = await page.waitForFunction((wanted) => {
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const found: Record<string, { started: number; arrived: number }> = {};
      for (const [key, source] of Object.entries(wanted)) {
        const entry = entries.find((e) => new RegExp(source).test(e.name));
        if (!entry) return false;
        found[key] = { started: entry.startTime, arrived: entry.responseEnd };
      }
      return found;
    }, sources);
    return (await times.jsonValue()) as Record<K, { started: number; arrived: number }>;
  }

  const ENTRY_CODE = /\/assets\/index-[^/]+\.js$/;
  const USERS_PAGE_CODE = /\/assets\/UsersPage-[^/]+\.js$/;
  const USERS_LIST = /\/api\/accounts\/[^/]+\/teams-users\?/;
  const USERS_PAGE_STYLES = /\/assets\/UsersPage-[^/]+\.css$/;

  it("starts before the Users page's code has arrived", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    await page.goto(usersUrl);
    await page.getByLabel("Search users").waitFor();
    const times = await resourceTimes(page, { code: USERS_PAGE_CODE, list: USERS_LIST });
    expect(times.list.started).toBeLessThan(times.code.arrived);
    await context.close();
  });

  it("asks for the Users page's first page of users, its code and its CSS with the HTML, once each", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const listRequests = requestsTo(page, USERS_LIST);
    const styleRequests = requestsTo(page, USERS_PAGE_STYLES);
    await page.goto(usersUrl);
    await page.getByLabel("Search users").waitFor();
    const times = await resourceTimes(page, {
      entry: ENTRY_CODE,
      code: USERS_PAGE_CODE,
      styles: USERS_PAGE_STYLES,
      list: USERS_LIST,
    });
    // Named in the HTML: all start before the app's own code has even arrived, let alone run its router.
    expect(times.list.started).toBeLessThan(times.entry.arrived);
    expect(times.code.started).toBeLessThan(times.entry.arrived);
    expect(times.styles.started).toBeLessThan(times.entry.arrived);
    // The page's own query took the preloaded answer: the exact URL it asks for is the one the HTML named.
    expect(listRequests).toHaveLength(1);
    // And the page's chunk found its stylesheet in place instead of loading it again.
    expect(styleRequests).toHaveLength(1);
    await context.close();
  });

  it("asks for the dashboard's summary with the HTML, once", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const summary = /\/api\/accounts\/[^/]+\/dashboard$/;
    const summaryRequests = requestsTo(page, summary);
    await page.goto(usersUrl.replace(/\/users$/, "/dashboard"));
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const times = await resourceTimes(page, { entry: ENTRY_CODE, summary });
    expect(times.summary.started).toBeLessThan(times.entry.arrived);
    expect(summaryRequests).toHaveLength(1);
    await context.close();
  });

  it("asks for the session with the page (preloaded), once, before the app's code has arrived", async () => {
    const { context, usersUrl } = await coldSignedInContext();
    const page = await context.newPage();
    const session = /\/api\/session$/;
    const sessionRequests = requestsTo(page, session);
    await page.goto(usersUrl);
    await page.getByLabel("Search users").waitFor();
    const times = await resourceTimes(page, { entry: ENTRY_CODE, session });
    expect(times.session.started).toBeLessThan(times.entry.arrived);
    // The app's own request for the session took the preloaded answer instead of asking again.
    expect(sessionRequests).toHaveLength(1);
    await context.close();
  });
});
