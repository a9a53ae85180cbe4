import { createHmac, randomBytes } from "node:crypto";

/**
 * Signing per the Standard Webhooks specification v1
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md, "Signature scheme"):
 * the secret is `whsec_` + base64 of random bytes (24–64 recommended); the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`; `webhook-signature` is `v1,` + base64 HMAC-SHA256 of it
 * keyed with the secret's decoded bytes; `webhook-timestamp` is integer Unix seconds.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function signatureHeaders(secret: string, id: string, timestamp: Date, body: string) {
  const seconds = Math.floor(timestamp.getTime() / 1000).toString();
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${seconds}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": seconds, "webhook-signature": `v1,${signature}` };
}
