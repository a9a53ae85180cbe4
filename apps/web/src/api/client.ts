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

export const api = createClient<paths>({ baseUrl: "/" });
api.use(csrf);

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
