import { describe, expect, it } from "vitest";
import { startPeriodic } from "./periodic.js";

function collectingLog() {
  const lines: string[] = [];
  return { lines, warn: (_fields: unknown, message?: string) => void lines.push(String(message)) };
}

/** Resolves when `check` holds, polling every few ms; the test's own timeout is the limit. */
async function until(check: () => boolean) {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe("startPeriodic", () => {
  it("stop waits for the pass in flight, which sees the stop, and no pass starts after it", async () => {
    let passes = 0;
    let release = () => {};
    let sawStop = false;
    const stop = startPeriodic({
      name: "test loop",
      firstAfterMs: 0,
      everyMs: 1,
      log: collectingLog(),
      async pass(stopping) {
        passes += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        sawStop = stopping.aborted;
      },
    });
    await until(() => passes === 1);
    let stopped = false;
    const stopping = stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(sawStop).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passes).toBe(1);
  });

  it("logs a failed pass under the loop's name and goes on, one pass at a time", async () => {
    const log = collectingLog();
    let running = 0;
    let overlapped = false;
    let passes = 0;
    const stop = startPeriodic({
      name: "test loop",
      firstAfterMs: 0,
      everyMs: 1,
      log,
      async pass() {
        running += 1;
        overlapped ||= running > 1;
        passes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (passes === 1) throw new Error("Microsoft said no");
      },
    });
    await until(() => passes >= 3);
    await stop();
    expect(log.lines).toEqual(["test loop failed"]);
    expect(overlapped).toBe(false);
  });
});
