import type { Actor } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import type { Account } from "../tenancy/index.js";

/** Operator settings are changed only by an operator Admin, acting in the operator account. */
export function assertOperatorAdmin(actor: Actor, target: Account): void {
  if (target.kind !== "operator" || actor.account.kind !== "operator") {
    throw Problem.forbidden("Only the operator can change these settings.");
  }
  if (actor.role !== "Admin") throw Problem.forbidden("Only an Admin can change operator settings.");
}
