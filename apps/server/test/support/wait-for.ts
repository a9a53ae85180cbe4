export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Keep polling when the probe throws (a process still starting), and report the last error on timeout. */
  retryOnError?: boolean;
  /**
   * For long work that reports progress (rows applied, pages synced): the timeout counts from the last change
   * of this value, so a machine whose cores are busy is slower but never fails a test that is advancing.
   */
  progress?: () => Promise<unknown>;
}

/**
 * Polls `probe` until it returns a truthy value, which it returns; fails after the timeout naming `what`.
 * A number as the third argument is the timeout in milliseconds.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  options: number | WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = 60_000,
    intervalMs = 200,
    retryOnError = false,
    progress,
  } = typeof options === "number" ? { timeoutMs: options } : options;
  let deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastProgress: string | undefined;
  for (;;) {
    if (progress) {
      const now = JSON.stringify(await progress().catch(() => lastProgress));
      if (now !== lastProgress) {
        lastProgress = now;
        deadline = Date.now() + timeoutMs;
      }
    }
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (!retryOnError) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
