import { createHash } from "node:crypto";
import type { SwaggerTransform } from "@fastify/swagger";
import type { FastifyReply, FastifyRequest } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { Problem, problemSchema } from "./problem.js";

/**
 * Optimistic concurrency for updates (RFC 9110 §8.8.3, §13.1.1–2): a GET answers `ETag`, an update honours
 * `If-Match` (and `If-None-Match: *` where an update may create) and answers 412 when the resource changed
 * since the caller loaded it. A module computes the tag from the state its update replaces (`entityTag`), and
 * checks the caller's preconditions inside the transaction that writes, after locking the row
 * (`checkPreconditions`), so two updates sent with the same tag cannot both win.
 */

/**
 * A strong entity tag for the state `state` of the resource `kind`/`id`: a digest of exactly what an update
 * can change, so it changes whenever any of that changes (whoever changed it) and a job's progress does not.
 */
export function entityTag(kind: string, id: string, state: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([kind, id, state]))
    .digest("base64url");
  return `"${digest.slice(0, 27)}"`;
}

/** The caller's preconditions: `*` (any current version) or the entity tags it accepts. */
export interface Preconditions {
  ifMatch?: "*" | string[];
  ifNoneMatch?: "*" | string[];
}

/** `*`, or a comma-separated list of entity tags (`"…"` or `W/"…"`), as RFC 9110 writes them. */
const ENTITY_TAG_LIST = /^\s*(\*|(W\/)?"[\x21\x23-\x7e]*"(\s*,\s*(W\/)?"[\x21\x23-\x7e]*")*)\s*$/;
const ENTITY_TAG = /(W\/)?"[\x21\x23-\x7e]*"/g;
const ENTITY_TAG_MESSAGE = 'Send the ETag you received (a quoted string, e.g. "abc…") or *.';

const entityTagList = z.string().max(2000).regex(ENTITY_TAG_LIST, ENTITY_TAG_MESSAGE);

/**
 * The request headers of an update that honours preconditions (documented in the OpenAPI document). Loose:
 * Fastify replaces `request.headers` with what the schema returns, and the rest must stay.
 */
export const preconditionHeaders = z.looseObject({
  "if-match": entityTagList
    .optional()
    .describe(
      "The ETag from your GET (or *): the update is refused with 412 if the resource changed since. Optional; recommended.",
    ),
});

/** The same, for an update that may create the resource: `If-None-Match: *` creates only if none exists yet. */
export const createOrUpdatePreconditionHeaders = preconditionHeaders.extend({
  "if-none-match": z
    .literal("*")
    .optional()
    .describe("*: save only if the resource does not exist yet (412 if someone created it meanwhile)."),
});

function parseList(value: string | string[] | undefined): "*" | string[] | undefined {
  const header = Array.isArray(value) ? value.join(", ") : value;
  if (header === undefined || header.trim() === "") return undefined;
  if (header.trim() === "*") return "*";
  return header.match(ENTITY_TAG) ?? [];
}

/** The preconditions a request sends (`If-Match`, `If-None-Match`). */
export function preconditionsOf(request: FastifyRequest): Preconditions {
  return {
    ifMatch: parseList(request.headers["if-match"]),
    ifNoneMatch: parseList(request.headers["if-none-match"]),
  };
}

const opaque = (tag: string) => tag.replace(/^W\//, "");

/**
 * Throws 412 unless the preconditions hold for the resource's current tag (`null`: it does not exist).
 * `If-Match` compares strongly (a weak tag never matches), `If-None-Match` weakly (RFC 9110 §8.8.3.2).
 * Call it in the writing transaction, after the row (or the resource's lock) is held.
 */
export function checkPreconditions(preconditions: Preconditions, current: string | null, what: string) {
  const { ifMatch, ifNoneMatch } = preconditions;
  if (ifMatch !== undefined) {
    const matches =
      current !== null &&
      (ifMatch === "*" || ifMatch.some((tag) => !tag.startsWith("W/") && tag === current));
    if (!matches)
      throw preconditionFailed(
        current === null
          ? `This ${what} does not exist any more. Reload and try again.`
          : `This ${what} was changed by someone else since you loaded it. Reload and try again.`,
      );
  }
  if (ifNoneMatch !== undefined && current !== null) {
    const matches = ifNoneMatch === "*" || ifNoneMatch.some((tag) => opaque(tag) === current);
    if (matches)
      throw preconditionFailed(
        `This ${what} was saved by someone else since you loaded it. Reload and try again.`,
      );
  }
}

function preconditionFailed(detail: string) {
  return new Problem(412, "Precondition Failed", detail);
}

/** Sets the `ETag` response header (nothing for a resource that does not exist). */
export function sendEntityTag(reply: FastifyReply, tag: string | null) {
  if (tag) reply.header("etag", tag);
}

const ETAG_HEADER = {
  type: "string",
  description: "The version of what an update can change; send it back in If-Match when you update.",
};

/**
 * Route `config` of a GET or update that answers `ETag`: documents the header on its 200 response in the
 * OpenAPI document (the app's zod transform, then the header, which that transform cannot express).
 */
export const documentsEntityTag: { swaggerTransform: SwaggerTransform } = {
  swaggerTransform: (document) => {
    const transformed = jsonSchemaTransform(document as never) as {
      schema: { response?: Record<string, Record<string, unknown>> };
      url: string;
    };
    const ok = transformed.schema.response?.["200"];
    if (ok) ok.headers = { ETag: ETAG_HEADER };
    return transformed as never;
  },
};

/** The 412 answer of an update that honours `If-Match`, for its response schemas. */
export const preconditionFailedResponse = { 412: problemSchema } as const;
