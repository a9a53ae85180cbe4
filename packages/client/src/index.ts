import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** The typed client: `client.GET("/api/accounts/{accountId}/enterprises", { params: … })` and so on. */
export type Sip2teamsClient = Client<paths>;

export interface Sip2teamsClientOptions {
  /** The portal's URL, e.g. `https://portal.example.net` (the API lives under `/api`). */
  baseUrl: string;
  /** An API key (Settings › API keys), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Another `fetch` (a proxy agent, a test double); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

/**
 * A client for the sip2teams API, typed from its OpenAPI document. Every POST carries an `Idempotency-Key`
 * (a random one per call unless you pass your own header), so a POST retried after a lost answer replays the
 * first answer instead of acting twice — pass the same key when you retry (docs/api.md, "Idempotent POSTs").
 */
export function createSip2teamsClient(options: Sip2teamsClientOptions): Sip2teamsClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(idempotencyKeys);
  return client;
}

/** The header a POST carries so that a retry is answered once (docs/api.md). */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

const idempotencyKeys: Middleware = {
  onRequest({ request }) {
    if (request.method === "POST" && !request.headers.has(IDEMPOTENCY_KEY_HEADER)) {
      request.headers.set(IDEMPOTENCY_KEY_HEADER, globalThis.crypto.randomUUID());
    }
    return request;
  },
};

export interface ProblemField {
  field: string;
  message: string;
}

/** The API's problem+json (RFC 9457) answer, thrown by `unwrap`: status, title, detail and a message per field. */
export class Sip2teamsApiError extends Error {
  // Plain fields, not constructor parameter properties: Node runs this file with type stripping only.
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: ProblemField[];

  constructor(status: number, title: string, detail: string | undefined, errors: ProblemField[]) {
    const fields = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
    super(`${status} ${detail ?? title}${fields ? ` (${fields})` : ""}`);
    this.name = "Sip2teamsApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

/** What every call of the client resolves to (openapi-fetch's result). */
export interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or a `Sip2teamsApiError` for a problem+json (any status of 400 and above). */
export async function unwrap<T>(call: Promise<CallResult<T>> | CallResult<T>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem = (error && typeof error === "object" ? error : {}) as {
    title?: string;
    detail?: string;
    errors?: ProblemField[];
  };
  throw new Sip2teamsApiError(
    response.status,
    problem.title ?? response.statusText,
    problem.detail,
    problem.errors ?? [],
  );
}

/** One page of a cursor-paged list (docs/api.md, "Pagination"). */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Every item of a list, page after page, following `nextCursor`: `fetchPage(cursor)` asks for one page
 * (`cursor` is undefined for the first). Pages are fetched as you iterate.
 *
 * ```ts
 * for await (const enterprise of paginate((cursor) =>
 *   client.GET("/api/accounts/{accountId}/enterprises", {
 *     params: { path: { accountId }, query: { cursor, limit: 200 } },
 *   }),
 * )) console.log(enterprise.name);
 * ```
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<CallResult<CursorPage<T>>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await unwrap(fetchPage(cursor));
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Every item of a list in one array (see `paginate`). */
export async function listAll<T>(
  fetchPage: (cursor: string | undefined) => Promise<CallResult<CursorPage<T>>>,
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of paginate(fetchPage)) items.push(item);
  return items;
}
