import { randomToken } from "../../crypto/tokens.js";
import { recordAudit } from "../audit/index.js";
import { accountRepository } from "../tenancy/index.js";
import { hashPassword } from "./passwords.js";
import { userRepository } from "./repository.js";
import type { IdentityDeps } from "./service.js";

export const DEMO_OPERATOR_EMAIL = "operator@sip2teams.localhost";

/**
 * On an empty database: creates "Demo Operator" with an active Admin and a random password,
 * and returns the sign-in details to print. Returns null when any operator account exists.
 */
export async function ensureDemoOperator(
  deps: Pick<IdentityDeps, "db">,
): Promise<{ email: string; password: string } | null> {
  const password = `Demo-${randomToken(12)}`;
  const passwordHash = await hashPassword(password);
  return deps.db.transaction(async (tx) => {
    // Serialises concurrent starts: only one creates the operator.
    await tx.execute("select pg_advisory_xact_lock(4242001)");
    const accounts = accountRepository(tx);
    if (await accounts.findOperator()) return null;
    const account = await accounts.create({ kind: "operator", name: "Demo Operator", parent: null });
    const user = await userRepository(tx).insert({
      accountId: account.id,
      email: DEMO_OPERATOR_EMAIL,
      name: "Demo Operator Admin",
      role: "Admin",
      status: "active",
      passwordHash,
    });
    const context = { actor: null };
    await recordAudit(tx, context, {
      action: "account.created",
      accountId: account.id,
      targetType: "account",
      targetId: account.id,
      after: { kind: "operator", name: account.name, demo: true },
    });
    await recordAudit(tx, context, {
      action: "user.created",
      accountId: account.id,
      targetType: "user",
      targetId: user.id,
      after: { email: user.email, role: user.role, status: user.status },
    });
    return { email: DEMO_OPERATOR_EMAIL, password };
  });
}
