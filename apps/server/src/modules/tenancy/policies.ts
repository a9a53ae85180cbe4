import type { TargetAccount } from "../../http/access.js";
import type { Account } from "./schema.js";

/** The access gate declares the account it hands to routes itself (it imports no module); it is this row. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const accountMatchesTheGate: Same<Account, TargetAccount> = true;

interface PathHolder {
  path: string;
}

/** A user acts on their own account and every account below it, never above or beside. */
export function reaches(actorAccount: PathHolder, target: PathHolder): boolean {
  return target.path.startsWith(actorAccount.path);
}

export function childPath(parent: PathHolder, childId: string): string {
  return `${parent.path}${childId}/`;
}
