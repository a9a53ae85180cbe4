import type { Actor } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import type { Account } from "../tenancy/index.js";

/** The target of an enterprise route must be an enterprise account (404 otherwise, like a foreign id). */
export function assertEnterprise(target: Account): void {
  if (target.kind !== "enterprise") throw Problem.notFound("No such enterprise.");
}

/** Enterprises are created under a partner (or the operator), never under another enterprise. */
export function assertMayHaveEnterprises(target: Account): void {
  if (target.kind === "enterprise")
    throw Problem.forbidden("Enterprises are added by a partner, not inside an enterprise.");
}

/**
 * The customer's profile, trunk and Teams profile are managed by the partner above it; users of the
 * enterprise itself can read them and connect Microsoft Teams, but not change them.
 */
export function assertManagedFromAbove(actor: Actor, target: Account): void {
  if (actor.account.id === target.id) {
    throw Problem.forbidden("Your telephony provider manages this setting. Contact them to change it.");
  }
}
