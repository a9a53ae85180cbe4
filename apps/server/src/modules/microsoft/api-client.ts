import { setTimeout as sleep } from "node:timers/promises";
import { RetryLater } from "../../jobs/define-job.js";
import { keepAliveGet } from "./keep-alive-get.js";
import type { Audience, TokenProvider } from "./tokens.js";

/** A Microsoft API answered with an error that retrying will not fix (4xx other than 429). */
export class MicrosoftApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "MicrosoftApiError";
  }
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 0;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  tenantId: string;
  audience: Audience;
  tokens: TokenProvider;
  signal?: AbortSignal;
  /** Retry-After up to this many seconds is waited inline; longer waits throw RetryLater for the job queue. */
  maxInlineWaitSeconds?: number;
  /** Attempts for 5xx and network errors, with exponential back-off. */
  attempts?: number;
  backoffMs?: number;
  extraHeaders?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** How a successful answer's body is handed back: parsed JSON, its text, or its bytes as they arrive. */
type BodyReading = "json" | "text" | "stream";

/** Reads `{error:{code,message}}` (Graph), a top-level `Message`, or falls back to the status text. */
function describeError(status: number, text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const err = (body.error ?? body) as Record<string, unknown>;
    const code = String(err.code ?? err.Code ?? `HTTP${status}`);
    const message = String(err.message ?? err.Message ?? body.Message ?? text).slice(0, 500);
    return { code, message };
  } catch {
    return { code: `HTTP${status}`, message: text.slice(0, 500) || `HTTP ${status}` };
  }
}

/**
 * fetch for Graph and the Teams admin API: bearer token per tenant and audience, back-off on 5xx and
 * network errors, Retry-After honoured on 429 (short waits inline, long ones become RetryLater), one
 * token refresh on 401. Never logs tokens or bodies.
 */
export function createApiClient(options: ApiClientOptions) {
  const maxInline = options.maxInlineWaitSeconds ?? 30;
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 500;

  async function request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    allow: number[] = [],
    reading: BodyReading = "json",
  ): Promise<ApiResponse<T>> {
    let failures = 0;
    let throttles = 0;
    let refreshed = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const token = await options.tokens.get(options.tenantId, options.audience, { forceRefresh: refreshed });
      let response: Response;
      const url = `${options.baseUrl}${path}`;
      const headers = {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        "client-request-id": crypto.randomUUID(),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...options.extraHeaders,
      };
      try {
        response =
          reading === "stream" && method === "GET"
            ? await keepAliveGet(url, headers, options.signal)
            : await fetch(url, {
                method,
                headers,
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: options.signal,
              });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        failures++;
        if (failures >= attempts) {
          throw new MicrosoftApiError(
            0,
            "NetworkError",
            `${method} ${path}: ${(error as Error).message}`,
            method,
            path,
          );
        }
        await sleep(backoffMs * 2 ** (failures - 1), undefined, { signal: options.signal });
        continue;
      }
      // The status is known from the headers: only a success is streamed, every other answer is read whole below.
      if (response.ok && reading === "stream") {
        const stream = response.body ?? new Response("").body!;
        return { status: response.status, body: stream as T, headers: response.headers };
      }
      const text = await response.text();
      if (response.ok || allow.includes(response.status)) {
        const parsed =
          reading === "json" && text && response.headers.get("content-type")?.includes("json")
            ? JSON.parse(text)
            : text;
        return { status: response.status, body: parsed as T, headers: response.headers };
      }
      if (response.status === 429 || (response.status === 503 && response.headers.get("retry-after"))) {
        const seconds = Number(response.headers.get("retry-after") ?? "") || Math.min(60, 2 ** throttles);
        throttles++;
        if (seconds > maxInline || throttles > 6)
          throw new RetryLater(seconds, `Microsoft asked to wait ${seconds}s (HTTP ${response.status}).`);
        await sleep(seconds * 1000, undefined, { signal: options.signal });
        continue;
      }
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        continue;
      }
      const { code, message } = describeError(response.status, text);
      if (response.status >= 500) {
        failures++;
        if (failures < attempts) {
          await sleep(backoffMs * 2 ** (failures - 1), undefined, { signal: options.signal });
          continue;
        }
      }
      throw new MicrosoftApiError(
        response.status,
        code,
        `${method} ${path} → ${response.status} ${code}: ${message}`,
        method,
        path,
      );
    }
  }

  return {
    request,
    get: <T = unknown>(path: string, allow?: number[]) => request<T>("GET", path, undefined, allow),
    /**
     * GET whose successful body comes back as a byte stream while it is still arriving, for a caller that reads a
     * large page its own way (retries, throttling and the 401 refresh work as for any request: they are decided
     * by the status, before the body). A failure while the body arrives is the reader's.
     */
    getStream: (path: string) => request<ReadableStream<Uint8Array>>("GET", path, undefined, [], "stream"),
    post: <T = unknown>(path: string, body: unknown, allow?: number[]) =>
      request<T>("POST", path, body, allow),
    put: <T = unknown>(path: string, body: unknown, allow?: number[]) => request<T>("PUT", path, body, allow),
    patch: <T = unknown>(path: string, body: unknown) => request<T>("PATCH", path, body),
    delete: (path: string, allow?: number[]) => request("DELETE", path, undefined, allow),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
