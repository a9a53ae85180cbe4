import type { Logger } from "pino";

export interface PeriodicLoop {
  /** What the loop does, for its log lines ("SBC change watch"). */
  name: string;
  firstAfterMs: number;
  /** The pause between the end of one pass and the start of the next. */
  everyMs: number;
  log: Pick<Logger, "warn">;
  /** One pass. `signal` aborts when the loop is stopped: a pass that loops should end early. */
  pass: (signal: AbortSignal) => Promise<unknown>;
}

/**
 * A background loop of a process that runs workers: one pass at a time, the next `everyMs` after the last ended;
 * a pass that fails is logged and the loop goes on. The returned stop waits for the pass in flight, so a process
 * that stops its job queue next never has a pass enqueue into a stopped queue.
 */
export function startPeriodic(loop: PeriodicLoop): () => Promise<void> {
  const stopping = new AbortController();
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    inFlight = loop
      .pass(stopping.signal)
      .then(
        () => {},
        (error: unknown) => loop.log.warn({ err: error }, `${loop.name} failed`),
      )
      .finally(() => {
        inFlight = null;
        if (!stopping.signal.aborted) schedule(loop.everyMs);
      });
  };
  schedule(loop.firstAfterMs);
  return async () => {
    stopping.abort();
    clearTimeout(timer);
    await inFlight;
  };
}
