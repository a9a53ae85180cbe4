import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import { uuid } from "../../http/schema-primitives.js";
import type { Account } from "../tenancy/index.js";

export { requestAuditContext as auditContext } from "../audit/index.js";

/** The enterprise a users route acts on (404 on a partner or the operator). */
export function enterpriseOf(request: FastifyRequest): Account {
  const account = targetAccountOf(request);
  if (account.kind !== "enterprise") throw Problem.notFound("Users belong to an enterprise account.");
  return account;
}

export const params = z.object({ accountId: uuid() });
export const userParams = params.extend({ userId: uuid() });
export const deviceParams = userParams.extend({ deviceId: uuid() });
