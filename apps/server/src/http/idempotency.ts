import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Problem } from "./problem.js";

/*
 * `Idempotency-Key` on every signed-in POST under /api (draft-ietf-httpapi-idempotency-key-header): the first
 * answer to a key is kept for 24 h and replayed, marked `Idempotent-Replayed: true`, to the same caller
 * sending the same key to the same URL with the same body. Public routes (sign-in, activation…) have no
 * caller to scope a key to and ignore the header.
 */

export const IDEMPOTENCY_HEADER = "idempotency-key";
export const REPLAYED_HEADER = "idempotent-replayed";
export const IDEMPOTENCY_WINDOW_HOURS = 24;
/**
 * A key whose first request has not answered after this long is taken over by the next request with it: its
 * process died mid-request (a request that ran this long would have been cut off by the load balancer).
 */
export const IN_FLIGHT_TAKEOVER_MINUTES = 5;
/** Response headers a replay repeats (besides status and body). */
const REPLAYED_RESPONSE_HEADERS = ["content-type", "location", "etag"] as const;
const KEY_SYNTAX = /^[\x20-\x7e]{1,255}$/;
const KEY_MESSAGE = "An Idempotency-Key is 1 to 255 printable ASCII characters, e.g. a UUID.";

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface IdempotencyScope {
  /** SHA-256 of principal, method, URL and key. */
  scopeHash: string;
  principal: string;
  method: string;
  url: string;
  requestHash: string;
}

/** Where keys and their responses are kept (`idempotency-store.ts`: PostgreSQL, bodies sealed). */
export interface IdempotencyStore {
  /**
   * Takes the key for this request (no live record of it, or one older than the window, or a first request
   * that stopped answering), or returns the record that holds it; null when that record went away meanwhile.
   */
  claim(
    scope: IdempotencyScope,
  ): Promise<
    { claimId: string } | { existing: { requestHash: string; response: StoredResponse | null } | null }
  >;
  /** Keeps the claimed request's answer for replays. */
  complete(scopeHash: string, claimId: string, response: StoredResponse): Promise<void>;
  /** Lets the key go (a 5xx, or an answer that cannot be kept): the next request with it runs again. */
  release(scopeHash: string, claimId: string): Promise<void>;
}

interface Claim {
  scopeHash: string;
  claimId: string;
  settled: boolean;
}

/**
 * Registers the key check (after the access gate, so only a caller allowed to make the request holds a key)
 * and the capture of first answers: 2xx and 4xx are kept, a 5xx lets the key go so the request can be retried.
 */
export function registerIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  const claims = new WeakMap<FastifyRequest, Claim>();

  app.addHook("preValidation", async (request, reply) => {
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (request.method !== "POST" || key === undefined) return;
    const principal = principalOf(request);
    if (!principal) return;
    if (typeof key !== "string" || !KEY_SYNTAX.test(key)) throw Problem.field("Idempotency-Key", KEY_MESSAGE);

    const scope: IdempotencyScope = {
      scopeHash: sha256([principal, request.method, request.url, key].join("\n")),
      principal,
      method: request.method,
      url: request.url,
      requestHash: sha256(canonicalBody(request.body)),
    };
    // A record released between our insert and our read is claimed on the next turn.
    for (let turn = 0; turn < 3; turn++) {
      const outcome = await store.claim(scope);
      if ("claimId" in outcome) {
        claims.set(request, { scopeHash: scope.scopeHash, claimId: outcome.claimId, settled: false });
        return;
      }
      if (!outcome.existing) continue;
      if (outcome.existing.requestHash !== scope.requestHash) {
        throw new Problem(
          422,
          "Unprocessable Content",
          "This Idempotency-Key was used with another request body.",
          [
            {
              field: "Idempotency-Key",
              message: "Already used with another body: send a new key for a new request.",
            },
          ],
        );
      }
      if (outcome.existing.response) return replay(reply, outcome.existing.response);
      break;
    }
    reply.header("retry-after", "1");
    throw Problem.conflict(
      "A request with this Idempotency-Key is still being processed. Retry once it has answered.",
    );
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = claims.get(request);
    if (!claim || claim.settled) return payload;
    claim.settled = true;
    const body = payloadBytes(payload);
    try {
      if (reply.statusCode >= 500 || body === null) await store.release(claim.scopeHash, claim.claimId);
      else await store.complete(claim.scopeHash, claim.claimId, responseToKeep(reply, body));
    } catch (error) {
      // The request itself was carried out: answer it; the key is taken over after IN_FLIGHT_TAKEOVER_MINUTES.
      request.log.warn({ err: error }, "idempotency record not saved");
    }
    return payload;
  });

  // An answer that never passed onSend (a hijacked reply) leaves no key behind.
  app.addHook("onResponse", async (request) => {
    const claim = claims.get(request);
    if (!claim || claim.settled) return;
    claim.settled = true;
    await store.release(claim.scopeHash, claim.claimId).catch((error) => {
      request.log.warn({ err: error }, "idempotency record not released");
    });
  });
}

/** The caller a key belongs to: a signed-in user or an API key; none on public routes. */
function principalOf(request: FastifyRequest): string | null {
  const access = request.routeOptions.config?.access;
  const actor = request.actor;
  if (!access || access.kind === "public" || !actor) return null;
  return actor.apiKey ? `api-key:${actor.apiKey.id}` : `user:${actor.userId}`;
}

function replay(reply: FastifyReply, response: StoredResponse) {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  reply.header(REPLAYED_HEADER, "true");
  return reply.send(response.body.length > 0 ? response.body : undefined);
}

function responseToKeep(reply: FastifyReply, body: Buffer): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_RESPONSE_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return { status: reply.statusCode, headers, body };
}

/** The bytes of a serialized answer; null for a stream, which is not kept. */
function payloadBytes(payload: unknown): Buffer | null {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === "string") return Buffer.from(payload);
  if (Buffer.isBuffer(payload)) return payload;
  return null;
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The parsed body in one spelling whatever the key order, so a resent JSON body matches itself. */
function canonicalBody(body: unknown): string | Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return `text:${body}`;
  return `json:${JSON.stringify(body ?? null, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  )}`;
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { headers?: Record<string, unknown> }>;
}

/**
 * The OpenAPI document (as `transformObject` returns it) with the optional `Idempotency-Key` header on every
 * signed-in POST — those that declare `security` — and `Idempotent-Replayed` on their kept answers.
 */
export function documentIdempotency<Document>(document: Document): Document {
  const paths = (document as { paths?: Record<string, { post?: OpenApiOperation }> }).paths ?? {};
  for (const item of Object.values(paths)) {
    const operation = item.post;
    if (!operation?.security || operation.parameters?.some((p) => p.name === "Idempotency-Key")) continue;
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: `A key of yours (e.g. a UUID) that makes this request safe to retry: for ${IDEMPOTENCY_WINDOW_HOURS} h the same key with the same body replays the first answer (2xx or 4xx) instead of running again; with another body it is refused (422); while the first request runs, 409.`,
        schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" },
      } as { name: string; in: string },
    ];
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (status.startsWith("5")) continue;
      response.headers = {
        ...response.headers,
        "Idempotent-Replayed": {
          description:
            "`true` when this is the kept answer to an earlier request with the same Idempotency-Key.",
          schema: { type: "string", enum: ["true"] },
        },
      };
    }
  }
  return document;
}
