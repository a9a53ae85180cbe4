import type { FastifyInstance } from "fastify";
import { Problem } from "./problem.js";

/** Routes anyone may call (sign-in, activation, password reset, OAuth callback, health): small bodies only. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;
/** Signed-in JSON routes. A route that takes uploads declares its own `bodyLimit` (e.g. the CSV import). */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/** Deeper JSON is refused before it is parsed: no request body of ours nests anywhere near this. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` nests arrays/objects deeper than `max`. One linear pass that skips string contents,
 * so a body of nested brackets is refused without the cost (time and memory) of parsing it.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/**
 * Bounds what a request body may cost before anyone is authenticated:
 * - public routes (and routes outside /api) get PUBLIC_BODY_LIMIT unless they declare their own;
 *   an announced Content-Length above the limit is refused (413) before a byte is read;
 * - non-public routes refuse anonymous callers (401) before the body is read at all;
 * - JSON is checked for nesting depth before JSON.parse (400).
 * Must be registered before any route.
 */
export function registerBodyLimits(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    const access = route.config?.access;
    if ((!access || access.kind === "public") && route.bodyLimit === undefined) {
      route.bodyLimit = PUBLIC_BODY_LIMIT;
    }
  });

  app.addHook("preParsing", async (request) => {
    const access = request.routeOptions.config?.access;
    if (access && access.kind !== "public" && !request.actor) throw Problem.unauthorized();
  });

  const defaultJsonParser = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(Problem.field("body", `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
      return;
    }
    defaultJsonParser(request, body as string, done);
  });
}
