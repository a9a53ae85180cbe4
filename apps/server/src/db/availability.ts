/** SQLSTATEs that mean "the server is not there right now", not "the query is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down, recovering)
  "53300", // too_many_connections
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** What node-postgres and its pool say when the connection, rather than the query, failed. */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|the database system is (starting up|shutting down|in recovery mode)/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== "object" || depth > 5) return;
    const e = value as ErrorLike;
    found.push(e);
    visit(e.cause, depth + 1);
    if (Array.isArray(e.errors)) for (const inner of e.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return found;
}

/**
 * True when `error` comes from not reaching PostgreSQL (down, restarting, refusing connections), as opposed
 * to a failing query. Network error codes count only when they surfaced through a database query, so a
 * refused connection to Microsoft is not mistaken for a database outage.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const errors = chain(error);
  if (errors.some((e) => typeof e.code === "string" && UNAVAILABLE_SQLSTATES.has(e.code))) return true;
  if (errors.some((e) => typeof e.message === "string" && CONNECTION_MESSAGES.test(e.message))) return true;
  const fromQuery = errors.some(
    (e) =>
      e.constructor?.name === "DrizzleQueryError" || typeof (e as { query?: unknown }).query === "string",
  );
  return fromQuery && errors.some((e) => typeof e.code === "string" && NETWORK_CODES.has(e.code));
}
