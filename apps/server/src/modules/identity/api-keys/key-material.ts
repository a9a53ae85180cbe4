import { randomBytes } from "node:crypto";
import { constantTimeEqual, hashToken, randomToken } from "../../../crypto/tokens.js";

/** Every key starts with this, so secret scanners and people recognise it. */
export const KEY_PREFIX = "s2t_live_";
const KEY = /^s2t_live_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A new key: the full value (shown once), its public id (stored, shown as prefix) and its secret's hash. */
export function newKeyMaterial() {
  const publicId = randomBytes(6).toString("hex");
  const secret = randomToken(32);
  return { key: `${KEY_PREFIX}${publicId}_${secret}`, publicId, secretHash: hashToken(secret) };
}

/** Splits a presented key; null when it does not have the shape of one. */
export function parseKey(key: string): { publicId: string; secret: string } | null {
  const match = KEY.exec(key);
  return match ? { publicId: match[1]!, secret: match[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  return constantTimeEqual(hashToken(secret), storedHash);
}

export const displayPrefix = (publicId: string) => `${KEY_PREFIX}${publicId}`;
