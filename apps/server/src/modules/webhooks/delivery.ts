import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { z } from "zod";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { defineJob, jobRef, RetryLater } from "../../jobs/define-job.js";
import {
  checkDestination,
  classifyAddress,
  isAllowedAddress,
  type PrivateAddressPolicy,
  RefusedDestination,
} from "./address-guard.js";
import { webhookRepository } from "./repository.js";
import { signatureHeaders } from "./signature.js";

export const webhookDeliveryJobRef = jobRef({
  name: "webhooks.deliver",
  payload: z.object({ deliveryId: z.string().uuid() }),
});

/** Attempts stop this long after a round began (the event, or the last Redeliver). */
export const RETRY_WINDOW_MS = 24 * 3600 * 1000;
const FIRST_RETRY_SECONDS = 5;
const MAX_RETRY_SECONDS = 3600;
const TIMEOUT_MS = 15_000;
const EXCERPT_CHARS = 500;

export interface WebhookDeliveryDeps {
  db: Database;
  secrets: SecretBox;
  config: { WEBHOOKS_ALLOW_PRIVATE: PrivateAddressPolicy };
}

/** Exponential backoff: 5 s, 10 s, 20 s … at most an hour, with ±20 % jitter. */
export function backoffSeconds(attempt: number): number {
  const base = Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** DNS lookup that refuses an address the policy does not allow, so the checked address is the one dialled. */
function guardedLookup(policy: PrivateAddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
      if (refused) {
        return callback(
          new RefusedDestination(
            `${hostname} resolves to ${refused.address}, a ${classifyAddress(refused.address)} address.`,
          ) as NodeJS.ErrnoException,
          "",
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

interface PostResult {
  status: number;
  excerpt: string;
  retryAfter: string | undefined;
}

/** One POST; no redirects are followed (a 3xx is a failed attempt). */
function post(url: URL, headers: Record<string, string>, body: string, policy: PrivateAddressPolicy) {
  return new Promise<PostResult>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
        lookup: guardedLookup(policy),
        timeout: TIMEOUT_MS,
      },
      (response) => {
        let excerpt = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            excerpt: excerpt.slice(0, EXCERPT_CHARS),
            retryAfter: response.headers["retry-after"],
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * Delivers one event to one endpoint, once per job run: 2xx is delivered; anything else (or no answer) is
 * retried with exponential backoff — or after `Retry-After` on 429/503 — until 24 h after the round began.
 * A destination the SSRF guard refuses fails at once.
 */
export function webhookDeliveryJob(deps: WebhookDeliveryDeps) {
  const repository = webhookRepository(deps.db);
  return defineJob({
    ...webhookDeliveryJobRef,
    concurrency: 4,
    async handle({ deliveryId }, { log }) {
      const loaded = await repository.loadForDelivery(deliveryId);
      if (loaded?.delivery.status !== "pending") return { status: "nothing to do" };
      const { delivery, event, endpoint } = loaded;
      const now = new Date();
      if (!endpoint.enabled) {
        await repository.recordAttempt(deliveryId, {
          status: "failed",
          lastError: "The endpoint is disabled.",
          lastAttemptAt: now,
          nextAttemptAt: null,
        });
        return { status: "failed" };
      }
      const url = new URL(endpoint.url);
      const body = JSON.stringify({
        type: event.type,
        timestamp: event.createdAt.toISOString(),
        accountId: event.accountId,
        data: event.data,
      });
      const secret = deps.secrets.open(endpoint.secretSealed, endpoint.id);
      const headers = {
        ...signatureHeaders(secret, event.id, now, body),
        "user-agent": "sip2teams-webhooks/1",
      };
      let result: PostResult | null = null;
      let failure: string | null = null;
      try {
        // IP literals never reach the lookup: check them here (hostnames are checked again as dialled).
        await checkDestination(url, deps.config.WEBHOOKS_ALLOW_PRIVATE);
        result = await post(url, headers, body, deps.config.WEBHOOKS_ALLOW_PRIVATE);
      } catch (error) {
        if (error instanceof RefusedDestination) {
          await repository.recordAttempt(deliveryId, {
            status: "failed",
            lastError: `Refused: ${error.message}`,
            lastAttemptAt: now,
            nextAttemptAt: null,
          });
          return { status: "refused" };
        }
        failure = error instanceof Error ? error.message : String(error);
      }
      if (result && result.status >= 200 && result.status < 300) {
        await repository.recordAttempt(deliveryId, {
          status: "delivered",
          lastResponseCode: result.status,
          lastResponseExcerpt: result.excerpt,
          lastError: null,
          lastAttemptAt: now,
          nextAttemptAt: null,
          deliveredAt: new Date(),
        });
        return { status: "delivered" };
      }
      const attempt = delivery.attempts + 1;
      const askedToWait =
        result && (result.status === 429 || result.status === 503)
          ? retryAfterSeconds(result.retryAfter)
          : null;
      const waitSeconds = askedToWait ?? backoffSeconds(attempt);
      const nextAt = new Date(now.getTime() + waitSeconds * 1000);
      const giveUp = nextAt.getTime() > delivery.roundStartedAt.getTime() + RETRY_WINDOW_MS;
      await repository.recordAttempt(deliveryId, {
        status: giveUp ? "failed" : "pending",
        lastResponseCode: result?.status ?? null,
        lastResponseExcerpt: result?.excerpt ?? null,
        lastError: failure ?? `HTTP ${result?.status}`,
        lastAttemptAt: now,
        nextAttemptAt: giveUp ? null : nextAt,
      });
      log.info(
        { deliveryId, attempt, status: result?.status, waitSeconds, giveUp },
        "webhook attempt failed",
      );
      if (giveUp) return { status: "failed" };
      throw new RetryLater(waitSeconds, `webhook attempt ${attempt} failed; next in ${waitSeconds}s`);
    },
  });
}
