/**
 * Request URLs in the log lose their capabilities: values of query parameters that carry codes, states or
 * tokens (every parameter on the OAuth callbacks: consent and Sign in with Microsoft), and path segments bound to token-like route params
 * (`/api/microsoft/authorization-requests/:token/connect`, `/api/microsoft/consent-flows/:flowId`).
 */
const REDACTED = "[redacted]";
const SECRET_QUERY_KEYS =
  /^(code|state|session_state|id_token|access_token|refresh_token|token|client_info|admin_consent|secret|password)$/i;
const SECRET_PARAM = /token|secret|code|state|flow/i;
/** A random token (32+ bytes base64url/hex) used as a path segment; UUIDs (record ids) stay readable. */
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{32,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Path prefixes whose next segment is a capability even when no route matched (old or mistyped links). */
const CAPABILITY_PREFIXES = ["/api/microsoft/authorization-requests/"];
/** Routes whose whole query string is a capability (Microsoft's redirect back to us). */
const WHOLE_QUERY_ROUTES = new Set(["/api/microsoft/callback", "/api/auth/microsoft/callback"]);

export function redactUrl(url: string, routePattern?: string): string {
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? "" : url.slice(queryAt + 1);
  const safePath = redactTokenSegments(routePattern ? redactPathParams(path, routePattern) : path);
  if (!query) return safePath;
  const wholeQuery = routePattern ? WHOLE_QUERY_ROUTES.has(routePattern) : WHOLE_QUERY_ROUTES.has(path);
  const safeQuery = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const key = eq === -1 ? pair : pair.slice(0, eq);
      let name = key;
      try {
        name = decodeURIComponent(key);
      } catch {}
      return wholeQuery || SECRET_QUERY_KEYS.test(name) ? `${key}=${REDACTED}` : pair;
    })
    .join("&");
  return `${safePath}?${safeQuery}`;
}

function redactPathParams(path: string, routePattern: string): string {
  const patternSegments = routePattern.split("/");
  if (!patternSegments.some((segment) => segment.startsWith(":") && SECRET_PARAM.test(segment))) return path;
  const segments = path.split("/");
  return segments
    .map((segment, i) => {
      const pattern = patternSegments[i];
      return pattern?.startsWith(":") && SECRET_PARAM.test(pattern) ? REDACTED : segment;
    })
    .join("/");
}

function redactTokenSegments(path: string): string {
  const prefix = CAPABILITY_PREFIXES.find((p) => path.startsWith(p));
  const segments = path.split("/");
  const capabilityIndex = prefix ? prefix.split("/").length - 1 : -1;
  return segments
    .map((segment, i) =>
      i === capabilityIndex || (TOKEN_SEGMENT.test(segment) && !UUID.test(segment)) ? REDACTED : segment,
    )
    .join("/");
}

/**
 * Drizzle's query errors carry the query's parameters (in `params` and in the message), which may be sealed
 * secrets or personal data: a logged one keeps the query text and the database's own error only.
 */
export function withoutQueryParameters(error: unknown): unknown {
  const failed = error as { query?: unknown; params?: unknown; cause?: unknown } | null;
  if (!(error instanceof Error) || typeof failed?.query !== "string" || !("params" in failed)) return error;
  const cause = failed.cause as { message?: string; code?: string; stack?: string } | undefined;
  return {
    type: error.name,
    message: cause?.message ?? "query failed",
    code: cause?.code,
    query: failed.query,
    stack: cause?.stack,
  };
}
