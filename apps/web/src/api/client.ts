import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export interface FieldError {
  field: string;
  message: string;
}

/** A problem+json response from the API, thrown by `unwrap`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(detail ?? title);
    this.name = "ApiError";
  }

  /** Per-field messages keyed by field path, for Mantine forms' `setErrors`. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(this.errors.map((e) => [e.field, e.message]));
  }
}

let csrfToken: string | null = null;
/** Whether the session (or its absence) was read since the page loaded; until then the token is unknown. */
let csrfKnown = false;
export function setCsrfToken(token: string | null) {
  csrfToken = token;
  csrfKnown = true;
}

/**
 * A page can write before anything read the session (e.g. "Try again" on the page Microsoft redirects to):
 * the first write then reads the session's CSRF token itself, so a signed-in browser always sends it.
 */
async function primeCsrfToken(): Promise<void> {
  // A GET: this middleware lets it through untouched.
  const { data, response } = await api.GET("/api/session");
  if (data) setCsrfToken(data.csrfToken ?? null);
  else if (response.status === 401) setCsrfToken(null);
}

const csrf: Middleware = {
  async onRequest({ request }) {
    if (["GET", "HEAD"].includes(request.method)) return request;
    if (!csrfKnown) await primeCsrfToken();
    if (csrfToken) request.headers.set("x-csrf-token", csrfToken);
    return request;
  },
};

/** A random Idempotency-Key; `crypto.randomUUID` exists only in secure contexts (HTTPS, localhost). */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** `URL\nbody` of each POST that got no answer yet (or a 5xx) → its Idempotency-Key. */
const unanswered = new Map<string, string>();
const inFlight = new Map<string, string>();

/**
 * Every POST carries an `Idempotency-Key` (docs/api.md, "Idempotent POSTs"). A POST that got no answer (the
 * connection failed) or a 5xx keeps its key, and sending the same POST again (same URL and body: Save pressed
 * again) reuses it, so the server replays the first result instead of creating twice.
 */
const idempotencyKeys: Middleware = {
  async onRequest({ request, id }) {
    if (request.method !== "POST" || request.headers.has("idempotency-key")) return request;
    const sent = `${request.url}\n${await request.clone().text()}`;
    const key = unanswered.get(sent) ?? newIdempotencyKey();
    unanswered.set(sent, key);
    inFlight.set(id, sent);
    request.headers.set("idempotency-key", key);
    return request;
  },
  onResponse({ response, id }) {
    const sent = inFlight.get(id);
    inFlight.delete(id);
    if (sent !== undefined && response.status < 500) unanswered.delete(sent);
    return response;
  },
  onError({ id }) {
    // No answer: the key stays in `unanswered` for the retry.
    inFlight.delete(id);
  },
};

export const api = createClient<paths>({ baseUrl: "/" });
api.use(csrf);
api.use(idempotencyKeys);

interface ProblemLike {
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

/** Returns `data` or throws an ApiError carrying the problem details. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem = (error ?? {}) as ProblemLike;
  throw new ApiError(
    response.status,
    problem.title ?? response.statusText,
    problem.detail,
    problem.errors ?? [],
  );
}
