import type { Role } from "../../http/access.js";
import type { Account } from "../tenancy/index.js";
import type { PortalRole } from "./schema.js";

export { type Permission, roleAllows } from "../../http/access.js";

/** The access gate declares roles itself (it imports no module); the portal's roles are exactly those. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const rolesMatchTheGate: Same<PortalRole, Role> = true;

type UserState = { role: PortalRole; status: "invited" | "active" | "disabled" };

const isActiveAdmin = (user: UserState) => user.role === "Admin" && user.status === "active";

/**
 * An account can never lose its last active Admin: a change that turns an active Admin into
 * something else (other role, disabled, deleted) needs another active Admin in the account.
 */
export function losesLastAdmin(
  before: UserState,
  after: UserState | null,
  otherActiveAdmins: number,
): boolean {
  if (!isActiveAdmin(before)) return false;
  if (after && isActiveAdmin(after)) return false;
  return otherActiveAdmins === 0;
}

/** Partners sit below the operator or another partner; enterprises have no children but themselves. */
export function mayHavePartners(account: Pick<Account, "kind">): boolean {
  return account.kind === "operator" || account.kind === "partner";
}

/** Users sign in only when they, and their account, are active. */
export function maySignIn(user: UserState, account: Pick<Account, "status">): boolean {
  return user.status === "active" && account.status === "active";
}

/** Whether the user must enrol in two-factor authentication before using the portal. */
export function mustEnrolTwoFactor(
  account: Pick<Account, "requireTwoFactor">,
  user: { totpEnabledAt: Date | null },
): boolean {
  return account.requireTwoFactor && !user.totpEnabledAt;
}
