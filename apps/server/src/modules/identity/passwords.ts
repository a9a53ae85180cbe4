import { hash, verify } from "@node-rs/argon2";
import type { FieldError } from "../../http/problem.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** argon2id with OWASP-recommended parameters (19 MiB, 2 passes). */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const common = new Set(COMMON_PASSWORDS);

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(
  passwordHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (!passwordHash) {
    // Spend the same time as a real check, so response times do not reveal unknown users.
    await verify(DUMMY_HASH, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

// argon2id hash of a random string, used only to equalise timing.
const DUMMY_HASH = await hash(crypto.randomUUID(), ARGON2);

function looksCommon(password: string): boolean {
  const lower = password.toLowerCase();
  if (common.has(lower)) return true;
  const stripped = lower.replace(/[^a-z]+$/, "").replace(/^[^a-z]+/, "");
  if (stripped.length > 0 && common.has(stripped)) return true;
  const unleet = lower
    .replace(/[@4]/g, "a")
    .replace(/3/g, "e")
    .replace(/[1!]/g, "i")
    .replace(/0/g, "o")
    .replace(/[$5]/g, "s");
  if (common.has(unleet) || common.has(unleet.replace(/[^a-z]+$/, ""))) return true;
  if (/^(.)\1+$/.test(lower)) return true;
  // Repetitions of a short chunk ("abcabcabcabc", "123412341234").
  if (/^(.{1,4})\1{2,}$/.test(lower)) return true;
  return false;
}

/** Checks a new password against the policy; returns per-field errors for `field`. */
export function checkPasswordPolicy(
  password: string,
  context: { email: string; field: string },
): FieldError[] {
  const errors: FieldError[] = [];
  const message = (text: string) => errors.push({ field: context.field, message: text });
  if (password.length < MIN_PASSWORD_LENGTH) {
    message(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
  } else if (password.length > MAX_PASSWORD_LENGTH) {
    message(`Use at most ${MAX_PASSWORD_LENGTH} characters.`);
  } else if (looksCommon(password)) {
    message("This password is too common. Choose something harder to guess.");
  } else {
    const email = context.email.toLowerCase();
    const local = email.split("@")[0] ?? "";
    const lower = password.toLowerCase();
    if (lower.includes(email) || (local.length >= 4 && lower.includes(local))) {
      message("The password must not contain your email address.");
    }
  }
  return errors;
}

/** A temporary password for invitations: 16 characters from an unambiguous alphabet. */
export function temporaryPassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let result = "";
  while (result.length < 16) {
    // Rejection sampling keeps every character equally likely.
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < 256 - (256 % alphabet.length) && result.length < 16)
        result += alphabet[byte % alphabet.length];
    }
  }
  return result;
}
