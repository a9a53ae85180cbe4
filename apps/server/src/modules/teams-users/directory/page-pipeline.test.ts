import { describe, expect, it } from "vitest";
import { type FetchedPage, runPagePipeline } from "./page-pipeline.js";

type Item = { id: string; version: number };

/** A round of pages `p1…pN` (the link of page n is `pn`); `ids[n]` are the object ids of page n+1. */
function round(ids: string[][]) {
  const pages = ids.map(
    (pageIds, n): FetchedPage<Item> => ({
      content: async () => ({ items: pageIds.map((id) => ({ id, version: n + 1 })), ids: pageIds }),
      next: n + 1 < ids.length ? `p${n + 2}` : null,
      deltaLink: n + 1 < ids.length ? null : "delta",
    }),
  );
  return (link: string | null) => pages[link ? Number(link.slice(1)) - 1 : 0]!;
}

/** Resolvable promises, so a test decides when each write finishes. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Until the pipeline has nothing left to do but wait (it yields once per page to let a request go out). */
const settle = async () => {
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe("runPagePipeline", () => {
  it("writes pages concurrently but commits them in order, each link saved only after every page before it", async () => {
    const pageOf = round([["a"], ["b"], ["c"]]);
    const gates = [gate(), gate(), gate()];
    const writing: number[] = [];
    const committed: (string | null)[] = [];
    const run = runPagePipeline({
      first: null,
      writers: 2,
      fetch: async (link) => pageOf(link),
      async write(page) {
        const n = page.items[0]!.version;
        writing.push(n);
        await gates[n - 1]!.opened;
        return n;
      },
      async committed({ page }) {
        committed.push(page.next);
      },
    });
    await settle();
    expect(writing).toEqual([1, 2]); // two at once, the third waits for a writer
    gates[1]!.open(); // page 2 finishes first: nothing is committed before page 1
    await settle();
    expect(committed).toEqual([]);
    expect(writing).toEqual([1, 2, 3]);
    gates[0]!.open();
    await settle();
    expect(committed).toEqual(["p2", "p3"]);
    gates[2]!.open();
    expect(await run).toBe(3);
    expect(committed).toEqual(["p2", "p3", null]);
  });

  it("holds a page that shares a user with a page being written, so the later version is stored last", async () => {
    const pageOf = round([["a", "x"], ["b"], ["x", "c"]]);
    const first = gate();
    const stored = new Map<string, number>();
    const run = runPagePipeline({
      first: null,
      writers: 3,
      fetch: async (link) => pageOf(link),
      async write(page) {
        if (page.items[0]!.version === 1) await first.opened;
        for (const item of page.items) stored.set(item.id, item.version);
        return null;
      },
      committed: async () => {},
    });
    await settle();
    expect(stored.get("b")).toBe(2); // page 2 shares nobody with page 1: written beside it
    expect(stored.has("c")).toBe(false); // page 3 waits: x is in page 1, still being written
    first.open();
    await run;
    expect(stored.get("x")).toBe(3);
  });

  it("on a failed write, stops, lets the other writes finish, commits nothing past the failure and throws", async () => {
    const pageOf = round([["a"], ["b"], ["c"], ["d"]]);
    const fetched: (string | null)[] = [];
    const committed: (string | null)[] = [];
    const run = runPagePipeline({
      first: null,
      writers: 2,
      async fetch(link) {
        fetched.push(link);
        return pageOf(link);
      },
      async write(page) {
        if (page.items[0]!.id === "b") throw new Error("write failed");
        await settle();
        return null;
      },
      async committed({ page }) {
        committed.push(page.next);
      },
    });
    await expect(run).rejects.toThrow("write failed");
    expect(committed).toEqual(["p2"]); // page 1 only: the next worker resumes at page 2
    expect(fetched.length).toBeLessThanOrEqual(4);
  });

  it("asks for the next page before a page's items have arrived, and writes a page once they have", async () => {
    const events: string[] = [];
    const pages = ["p1", "p2", "p3"];
    // Each page's items arrive only when the test says so.
    const arrivals = new Map(pages.map((link) => [link, gate()]));
    const run = runPagePipeline({
      first: "p1",
      writers: 2,
      async fetch(link) {
        // A request goes out after a few turns of the microtask queue (token, then the socket).
        for (let turn = 0; turn < 5; turn++) await Promise.resolve();
        events.push(`request ${link}`);
        const n = pages.indexOf(link!);
        return {
          async content() {
            events.push(`read ${link}`);
            await arrivals.get(link!)!.opened;
            return { items: [], ids: [link!] };
          },
          next: pages[n + 1] ?? null,
          deltaLink: pages[n + 1] ? null : "delta",
        };
      },
      async write(page) {
        events.push(`write ${page.ids[0]}`);
      },
      committed: async () => undefined,
    });
    await settle();
    // Page 1's items have not arrived: page 2 was asked for, nothing is written, page 3 waits for page 2's link.
    expect(events).toEqual(["request p1", "request p2", "read p1"]);
    arrivals.get("p1")!.open();
    await settle();
    expect(events.slice(3)).toEqual(["write p1", "request p3", "read p2"]);
    arrivals.get("p2")!.open();
    arrivals.get("p3")!.open();
    expect(await run).toBe(3);
    expect(events.indexOf("request p3")).toBeLessThan(events.indexOf("read p2"));
  });
});
