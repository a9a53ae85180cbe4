import { z } from "zod";
import { randomToken } from "../../crypto/tokens.js";
import type { Database } from "../../db/client.js";
import { defineJob, type JobDefinition, jobRef } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { recordAudit } from "../audit/index.js";
import { withBrand } from "../mail/index.js";
import { passwordResetMail } from "./mails.js";
import { maySignIn } from "./policies.js";
import { normalizeEmail, tokenRepository, userRepository } from "./repository.js";
import type { IdentityDeps, RequestMeta } from "./service.js";
import { THROTTLE_RULES, throttleKeys, throttleStore, tooMany } from "./throttle.js";

export const PASSWORD_RESET_MAIL_JOB = "identity-password-reset-mail";

const payload = z.object({
  username: z.string().max(320),
  ip: z.string().max(100),
  requestId: z.string().max(200).optional(),
});
type Payload = z.infer<typeof payload>;

/**
 * "Forgot password": the request does exactly the same work for every username — the IP budget and one
 * queued job — so neither the answer nor its timing tells whether an account exists. The job looks the user up.
 */
export async function requestPasswordReset(
  deps: { db: Database; jobs: Pick<JobQueue, "enqueue"> },
  input: { username: string },
  meta: RequestMeta,
): Promise<void> {
  const throttle = throttleStore(deps.db);
  const ipKey = throttleKeys.resetIp(meta.ip);
  const locked = await throttle.lockedUntil([ipKey]);
  if (locked) throw tooMany(locked);
  await throttle.fail(ipKey, THROTTLE_RULES.resetIp);
  await deps.jobs.enqueue(passwordResetMailQueue, {
    username: normalizeEmail(input.username),
    ip: meta.ip,
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
  });
}

/** Sends "Reset password instructions" to an active user (3 an hour at most); does nothing for anyone else. */
export async function sendPasswordResetMail(deps: IdentityDeps, job: Payload): Promise<void> {
  const { db, config, mailer, log } = deps;
  const found = await userRepository(db).findByEmail(job.username);
  if (!found || !maySignIn(found.user, found.account)) return;
  const perUser = await throttleStore(db).fail(
    throttleKeys.resetUsername(job.username),
    THROTTLE_RULES.resetUsername,
  );
  if (perUser.failures > THROTTLE_RULES.resetUsername.limit) {
    log.warn({ userId: found.user.id }, "password reset email suppressed: too many requests");
    return;
  }
  const { user, account } = found;
  const token = randomToken();
  await db.transaction(async (tx) => {
    await tokenRepository(tx).issue({
      userId: user.id,
      purpose: "password-reset",
      token,
      expiresAt: new Date(Date.now() + config.PASSWORD_RESET_TTL_MINUTES * 60_000),
    });
    await recordAudit(
      tx,
      { actor: null, ip: job.ip, requestId: job.requestId },
      { action: "password-reset.requested", accountId: account.id, targetType: "user", targetId: user.id },
    );
  });
  const branded = await withBrand(mailer, db, config, account.id);
  await mailer.send({
    ...passwordResetMail(branded.config, { to: user.email, name: user.name, token }),
    from: branded.from,
  });
}

/** The queue as the request side sees it (enqueueing needs no handler). */
const passwordResetMailQueue = jobRef({ name: PASSWORD_RESET_MAIL_JOB, payload });

export function passwordResetMailJob(deps: IdentityDeps): JobDefinition<Payload> {
  return defineJob({
    name: PASSWORD_RESET_MAIL_JOB,
    payload,
    // A retry issues a new link (the previous one dies), so a mail sent twice is harmless; keep it short.
    retryLimit: 3,
    retryDelaySeconds: 10,
    expireInSeconds: 120,
    // Light work (a lookup and a mail); a burst of requests must not delay the mail of someone waiting for it.
    concurrency: 5,
    async handle(job) {
      await sendPasswordResetMail(deps, job);
    },
  });
}
