import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import type { SecretBox } from "../../crypto/secret-box.js";
import { randomToken } from "../../crypto/tokens.js";
import type { Database, Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { recoveryCodeRepository, userRepository } from "./repository.js";
import type { PortalUser } from "./schema.js";

const RECOVERY_CODE_COUNT = 10;
/** Associated data binds a sealed secret to its user, so a sealed value cannot be moved to another row. */
const aad = (userId: string) => `totp:${userId}`;

async function checkTotp(secret: string, code: string, afterTimeStep: number | null) {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epochTolerance: 30,
    ...(afterTimeStep ? { afterTimeStep } : {}),
  }).catch(() => null);
  return result?.valid && "timeStep" in result ? result.timeStep : null;
}

/**
 * Verifies a TOTP code (refusing replays) or consumes a recovery code; both are accepted atomically, so run it
 * in the sign-in transaction (`db` = the transaction) to undo the acceptance if the sign-in fails later.
 */
export async function verifySecondFactor(
  db: Executor,
  secrets: SecretBox,
  user: PortalUser,
  input: { totpCode?: string; recoveryCode?: string },
): Promise<{ ok: boolean; usedRecoveryCode: boolean }> {
  if (input.recoveryCode) {
    return {
      ok: await recoveryCodeRepository(db).consume(user.id, input.recoveryCode),
      usedRecoveryCode: true,
    };
  }
  if (!user.totpSecret || !input.totpCode) return { ok: false, usedRecoveryCode: false };
  const step = await checkTotp(
    secrets.open(user.totpSecret, aad(user.id)),
    input.totpCode,
    user.totpLastStep,
  );
  if (step === null) return { ok: false, usedRecoveryCode: false };
  // Compare-and-set on the user row: of concurrent sign-ins with the same code, exactly one moves the step.
  return { ok: await userRepository(db).acceptTotpStep(user.id, step), usedRecoveryCode: false };
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomToken(8)
      .replace(/[^A-Za-z0-9]/g, "x")
      .slice(0, 10)
      .toLowerCase();
    return `${raw.slice(0, 5)}-${raw.slice(5, 10)}`;
  });
}

/** Enrolment (secret + QR code), confirmation (→ recovery codes), status and disabling. */
export function twoFactorService(deps: { db: Database; secrets: SecretBox; portalName: string }) {
  const { db, secrets } = deps;
  return {
    async status(userId: string) {
      const user = await userRepository(db).findById(userId);
      return {
        enabled: Boolean(user?.totpEnabledAt),
        recoveryCodesRemaining: user?.totpEnabledAt ? await recoveryCodeRepository(db).remaining(userId) : 0,
      };
    },

    /** Starts (or restarts) enrolment: a new secret, kept sealed until confirmed with a code. */
    async enrol(user: { userId: string; email: string }) {
      const secret = generateSecret();
      await userRepository(db).update(user.userId, {
        totpPendingSecret: secrets.seal(secret, aad(user.userId)),
      });
      const otpauthUrl = generateURI({ issuer: deps.portalName, label: user.email, secret });
      return {
        secret,
        otpauthUrl,
        qrCodeDataUrl: await QRCode.toDataURL(otpauthUrl, { margin: 1, width: 220 }),
      };
    },

    /** Confirms enrolment with a current code; returns the 10 recovery codes (shown once). */
    async confirm(
      user: { userId: string; email: string; account: { id: string } },
      code: string,
      context: AuditContext,
    ) {
      const row = await userRepository(db).findById(user.userId);
      if (!row?.totpPendingSecret) throw Problem.conflict("Start the set-up first.");
      const step = await checkTotp(secrets.open(row.totpPendingSecret, aad(row.id)), code, null);
      if (step === null)
        throw Problem.field("code", "The code is incorrect. Check the time on your phone and try again.");
      const codes = newRecoveryCodes();
      await db.transaction(async (tx) => {
        await userRepository(tx).update(row.id, {
          totpSecret: row.totpPendingSecret,
          totpPendingSecret: null,
          totpEnabledAt: new Date(),
          totpLastStep: step,
        });
        await recoveryCodeRepository(tx).replace(row.id, codes);
        await recordAudit(tx, context, {
          action: "two-factor.enabled",
          accountId: user.account.id,
          targetType: "user",
          targetId: row.id,
        });
      });
      return codes;
    },

    async disable(
      user: { userId: string; account: { id: string; requireTwoFactor?: boolean } },
      context: AuditContext,
    ) {
      await db.transaction(async (tx) => {
        await userRepository(tx).update(user.userId, {
          totpSecret: null,
          totpPendingSecret: null,
          totpEnabledAt: null,
          totpLastStep: null,
        });
        await recoveryCodeRepository(tx).clear(user.userId);
        await recordAudit(tx, context, {
          action: "two-factor.disabled",
          accountId: user.account.id,
          targetType: "user",
          targetId: user.userId,
        });
      });
    },

    /** Replaces the recovery codes (the old ones stop working). */
    async regenerateRecoveryCodes(user: { userId: string; account: { id: string } }, context: AuditContext) {
      const codes = newRecoveryCodes();
      await db.transaction(async (tx) => {
        await recoveryCodeRepository(tx).replace(user.userId, codes);
        await recordAudit(tx, context, {
          action: "two-factor.recovery-codes-regenerated",
          accountId: user.account.id,
          targetType: "user",
          targetId: user.userId,
        });
      });
      return codes;
    },
  };
}
