import type { FastifyInstance } from "fastify";
import { type FieldError, Problem } from "./problem.js";
import { hasLoneSurrogate, hasUnstorableCharacters, UNSTORABLE_MESSAGE } from "./schema-primitives.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Top-level body fields holding a whole text file (a pasted CSV) whose handler refuses NUL characters
     * itself, naming the line (`csv.2`): the boundary leaves NUL in them to the handler (lone surrogates not).
     */
    nulCheckedByHandler?: string[];
  }
}

const MAX_FIELDS_REPORTED = 20;

/** Every string in `value` (keys included) that PostgreSQL could not store, as dotted paths. */
export function unstorableFields(
  value: unknown,
  path: string,
  found: FieldError[] = [],
  nulAllowedAt: readonly string[] = [],
): FieldError[] {
  if (found.length >= MAX_FIELDS_REPORTED) return found;
  if (typeof value === "string") {
    const bad = nulAllowedAt.includes(path) ? hasLoneSurrogate(value) : hasUnstorableCharacters(value);
    if (bad) found.push({ field: path, message: UNSTORABLE_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      unstorableFields(item, join(path, String(index)), found, nulAllowedAt);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (hasUnstorableCharacters(key))
        found.push({ field: join(path, "(key)"), message: UNSTORABLE_MESSAGE });
      unstorableFields(item, join(path, key), found, nulAllowedAt);
    }
  }
  return found;
}

/** Parsed JSON, query strings and params are plain objects; a streamed body (a CSV upload) is not walked. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The defensive half of the input boundary: whatever a route's schema says, no NUL and no lone surrogate
 * (JSON.parse turns `"\ud800"` into one) in the body, query or params reaches a handler. Route schemas say
 * the same with `text()`; this hook is there so a route that forgets cannot turn it into a 500.
 */
export function registerInputBoundary(app: FastifyInstance): void {
  // After access control and schema validation (callers who may not call get 401/403/404 first), before any
  // handler; a callback hook, not an async one, so it costs no extra turn of the event loop.
  app.addHook("preHandler", (request, _reply, done) => {
    const errors = [
      ...unstorableFields(request.params, ""),
      ...unstorableFields(request.query, ""),
      ...unstorableFields(request.body, "", [], request.routeOptions.config?.nulCheckedByHandler),
    ].map((error) => (error.field === "" ? { ...error, field: "body" } : error));
    if (errors.length > 0) {
      done(Problem.invalid(errors, `Invalid characters in: ${errors.map((e) => e.field).join(", ")}.`));
      return;
    }
    done();
  });
}
