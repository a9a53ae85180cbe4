import { hash, verify } from "@node-rs/argon2";
import type { FieldError } from "../../http/problem.js";

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** argon2id with OWASP-recommended parameters (19 MiB, 2 passes). */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

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

/** zxcvbn scores 0–4; 3 means "safely unguessable" (about 10^8 guesses or more). */
export const MIN_PASSWORD_SCORE = 3;

type Estimator = { check(password: string, userInputs?: string[]): { score: number; feedback: Feedback } };
type Feedback = { warning: string | null; suggestions: string[] };
let estimator: Promise<Estimator> | undefined;

/** The zxcvbn estimator with its common and English dictionaries, loaded once, on first use (they are large). */
function strengthEstimator(): Promise<Estimator> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, english] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
    ]);
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...english.dictionary },
      graphs: common.adjacencyGraphs,
      translations: english.translations,
    }) as unknown as Estimator;
  })();
  return estimator;
}

/** The estimator's feedback as one sentence or two, for the form field. */
function feedbackMessage(feedback: Feedback): string {
  const warning = feedback.warning ?? "This password is easy to guess.";
  const advice =
    feedback.suggestions.length > 0 ? feedback.suggestions.join(" ") : "Add more words that are less common.";
  return `${warning} ${advice}`;
}

/** Checks a new password against the policy; returns per-field errors for `field`. */
export async function checkPasswordPolicy(
  password: string,
  context: { email: string; field: string },
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const message = (text: string) => errors.push({ field: context.field, message: text });
  const email = context.email.toLowerCase();
  const local = email.split("@")[0] ?? "";
  if (password.length < MIN_PASSWORD_LENGTH) {
    message(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    return errors;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    message(`Use at most ${MAX_PASSWORD_LENGTH} characters.`);
    return errors;
  }
  const lower = password.toLowerCase();
  if (lower.includes(email) || (local.length >= 4 && lower.includes(local))) {
    message("The password must not contain your email address.");
    return errors;
  }
  const result = (await strengthEstimator()).check(password, [email, local, ...local.split(/[._+-]/)]);
  if (result.score < MIN_PASSWORD_SCORE) message(feedbackMessage(result.feedback));
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
