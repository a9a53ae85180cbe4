import type { Logger } from "pino";
import type { z } from "zod";

/** Thrown by a handler that was told to wait (e.g. HTTP 429 Retry-After): the job runs again after `seconds`. */
export class RetryLater extends Error {
  constructor(
    readonly seconds: number,
    message = `retry in ${seconds}s`,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

export interface JobRunContext {
  jobId: string;
  attempt: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * What an enqueuer needs to know of a kind of job: its queue name, payload and deduplication. Modules export
 * these so others (routes, other jobs) can queue work without the handler's dependencies.
 */
export interface JobRef<Payload = unknown> {
  name: string;
  payload: z.ZodType<Payload>;
  /**
   * `perKey`: at most one waiting and one running job per `singletonKey` (pg-boss `stately`); a further
   * enqueue for the same key is dropped. Every enqueue on such a queue must give a key. Default: every
   * enqueue runs (pg-boss `standard`, where a `singletonKey` alone deduplicates nothing).
   */
  deduplicate?: "perKey";
}

/**
 * One kind of background work: its ref and one handler.
 * Handlers must be idempotent: a job may run again after a crash or a retry.
 */
export interface JobDefinition<Payload = unknown> extends JobRef<Payload> {
  handle(payload: Payload, context: JobRunContext): Promise<unknown>;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** Jobs of this queue run at most this many at once per worker process. */
  concurrency?: number;
}

export function defineJob<Payload>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}

export function jobRef<Payload>(ref: JobRef<Payload>): JobRef<Payload> {
  return ref;
}
