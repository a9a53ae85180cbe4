import { setImmediate } from "node:timers/promises";

/**
 * The pages of one sync round, pipelined so that Microsoft's paging is the only limit: the next page is fetched
 * as soon as a page's link has arrived (before its items have), and up to `writers` pages are written at once
 * (each in its own transaction), while pages are still handed out in Microsoft's order. Bounded: at most
 * `writers` pages being written, one arriving or waiting for a writer, and one being fetched.
 *
 * Order still holds where it matters. A user can come in more than one page of a round (Microsoft's delta may
 * repeat an object, and a user changed, removed or restored mid-round comes again); a page that shares a user
 * with a page being written waits for it, so the later page's version is the one stored. Progress is committed
 * in page order: `committed` is called, one call at a time, for the longest run of written pages from the start,
 * so the link it saves is always the first page not yet written and a restarted job repeats only idempotent
 * upserts.
 */
export interface FetchedPage<Item> {
  /** Microsoft's link to the next page, or null on the round's last page. */
  next: string | null;
  deltaLink: string | null;
  /**
   * The page's items, asked for once the next page was asked for: they may still be arriving (Microsoft sends a
   * page's links before its users) or not yet be parsed.
   */
  content(): Promise<PageContent<Item>>;
}

export interface PageContent<Item> {
  items: Item[];
  /** The object ids of the page's items (the per-user ordering key). */
  ids: string[];
}

/** A page whose items have arrived: what is written and committed. */
export interface ArrivedPage<Item> extends PageContent<Item> {
  next: string | null;
  deltaLink: string | null;
}

export interface PageOutcome<Item, Written> {
  page: ArrivedPage<Item>;
  written: Written;
  /** 1-based position of the page in this pipeline. */
  number: number;
}

export interface PagePipeline<Item, Written> {
  /** The first link (null: Microsoft's initial request). */
  first: string | null;
  /**
   * Fetches a page. `drain` waits until every page handed out so far is written and committed (e.g. before the
   * round restarts after Microsoft reset its sync state).
   */
  fetch(link: string | null, drain: () => Promise<void>): Promise<FetchedPage<Item>>;
  write(page: ArrivedPage<Item>): Promise<Written>;
  /** Called in page order, once per page, after it and every page before it were written. */
  committed(outcome: PageOutcome<Item, Written>): Promise<void>;
  /** Pages written at once (separate transactions). */
  writers: number;
}

/** Runs the round's pages through fetch → write → committed; resolves once every page is committed. */
export async function runPagePipeline<Item, Written>(pipeline: PagePipeline<Item, Written>): Promise<number> {
  const writing = new Map<number, { ids: Set<string>; done: Promise<unknown> }>();
  const written = new Map<number, PageOutcome<Item, Written>>();
  let committedUpTo = 0;
  let commits: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  let commitFailed = false;
  const fail = (error: unknown) => {
    failure ??= { error };
  };

  const commitReady = () => {
    for (let next = written.get(committedUpTo + 1); next; next = written.get(committedUpTo + 1)) {
      const outcome = next;
      written.delete(outcome.number);
      committedUpTo = outcome.number;
      // Pages written before a failure are still committed: the run never passes a page that was not written.
      commits = commits
        .then(() => (commitFailed ? undefined : pipeline.committed(outcome)))
        .catch((error) => {
          commitFailed = true;
          fail(error);
        });
    }
  };
  const drain = async () => {
    while (writing.size > 0) await Promise.allSettled([...writing.values()].map((w) => w.done));
    await commits;
  };

  let number = 0;
  let fetching: Promise<FetchedPage<Item>> | null = pipeline.fetch(pipeline.first, drain);
  try {
    while (fetching && !failure) {
      const fetched: FetchedPage<Item> = await fetching;
      // Microsoft's paging goes on while this page's items arrive, wait for a writer and are written.
      fetching = fetched.next ? pipeline.fetch(fetched.next, drain) : null;
      fetching?.catch(() => undefined); // awaited above on the next turn; a failure then is handled there
      // The next request goes out before this page's items are read (a fetch may parse them only then).
      if (fetching) await setImmediate();
      const page: ArrivedPage<Item> = {
        ...(await fetched.content()),
        next: fetched.next,
        deltaLink: fetched.deltaLink,
      };
      const ids = new Set(page.ids);
      const position = ++number;
      for (;;) {
        if (failure) break;
        const blockers = [...writing.values()].filter((w) => page.ids.some((id) => w.ids.has(id)));
        if (blockers.length === 0 && writing.size < pipeline.writers) break;
        await Promise.race((blockers.length > 0 ? blockers : [...writing.values()]).map((w) => w.done));
      }
      if (failure) break;
      const done = pipeline
        .write(page)
        .then((result) => {
          written.set(position, { page, written: result, number: position });
          commitReady();
        })
        .catch(fail)
        .finally(() => writing.delete(position));
      writing.set(position, { ids, done });
    }
  } catch (error) {
    fail(error);
  }
  await drain();
  if (failure) throw (failure as { error: unknown }).error;
  return number;
}
