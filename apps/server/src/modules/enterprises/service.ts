import { and, asc, count, desc, eq, ilike, inArray, like, or, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../../db/client.js";
import { type FieldError, Problem } from "../../http/problem.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import { directRoutingSetups } from "../direct-routing-setup/schema.js";
import { normalizeEmail } from "../identity/repository.js";
import { type IdentityDeps, identityService } from "../identity/service.js";
import { microsoftConnections } from "../microsoft/schema.js";
import { sbcRegions } from "../operator-settings/schema.js";
import { accountRepository } from "../tenancy/repository.js";
import { type Account, accounts } from "../tenancy/schema.js";
import { trunkProfiles } from "../trunks/schema.js";
import { type EnterpriseService, enterprises } from "./schema.js";

export interface EnterpriseInput {
  companyName: string;
  adminName: string;
  adminEmail: string;
  regionIds: string[];
  services: EnterpriseService[];
  userLimit: number;
  billingReference: string | null;
}

export type EnterpriseUpdate = Omit<EnterpriseInput, "adminName" | "adminEmail">;

export interface ListQuery {
  search?: string;
  sort: "name" | "createdAt" | "status";
  order: "asc" | "desc";
  page: number;
  pageSize: number;
}

/** Unknown region ids answer per-field errors such as `regionIds.1`. */
export async function checkRegions(
  db: Executor,
  regionIds: string[],
  field = "regionIds",
): Promise<FieldError[]> {
  if (regionIds.length === 0) return [{ field, message: "Choose at least one region." }];
  const known = regionIds.length
    ? await db.select({ id: sbcRegions.id }).from(sbcRegions).where(inArray(sbcRegions.id, regionIds))
    : [];
  const ids = new Set(known.map((r) => r.id));
  return regionIds.flatMap((id, i) =>
    ids.has(id) ? [] : [{ field: `${field}.${i}`, message: "Unknown region." }],
  );
}

/** Enterprises below `scope`, with server-side search, sort and paging. */
export async function listEnterprises(db: Database, scope: Account, query: ListQuery) {
  const conditions: SQL[] = [eq(accounts.kind, "enterprise"), like(accounts.path, `${scope.path}%`)];
  if (query.search?.trim()) {
    const term = `%${query.search.trim().replace(/[%_\\]/g, "\\$&")}%`;
    conditions.push(
      or(
        ilike(accounts.name, term),
        ilike(enterprises.adminEmail, term),
        ilike(enterprises.billingReference, term),
      )!,
    );
  }
  const where = and(...conditions);
  const direction = query.order === "desc" ? desc : asc;
  const sortColumn = { name: accounts.name, createdAt: accounts.createdAt, status: accounts.status }[
    query.sort
  ];
  const rows = await db
    .select({
      account: accounts,
      enterprise: enterprises,
      trunkFqdn: trunkProfiles.fqdn,
      connectionStatus: microsoftConnections.status,
      tenantDomain: microsoftConnections.tenantDomain,
      setupStatus: directRoutingSetups.status,
    })
    .from(accounts)
    .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
    .leftJoin(trunkProfiles, eq(trunkProfiles.enterpriseAccountId, accounts.id))
    .leftJoin(microsoftConnections, eq(microsoftConnections.enterpriseAccountId, accounts.id))
    .leftJoin(directRoutingSetups, eq(directRoutingSetups.enterpriseAccountId, accounts.id))
    .where(where)
    .orderBy(direction(sortColumn), asc(accounts.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  const [total] = await db
    .select({ n: count() })
    .from(accounts)
    .innerJoin(enterprises, eq(enterprises.accountId, accounts.id))
    .where(where);
  return {
    total: total?.n ?? 0,
    items: rows.map((r) => ({
      ...enterpriseView(r.account, r.enterprise),
      trunkFqdn: r.trunkFqdn ?? null,
      microsoftConnection: r.connectionStatus ?? ("not-connected" as const),
      tenantDomain: r.connectionStatus === "connected" ? (r.tenantDomain ?? null) : null,
      setupStatus: r.setupStatus ?? null,
    })),
  };
}

export function enterpriseView(account: Account, enterprise: typeof enterprises.$inferSelect) {
  return {
    id: account.id,
    name: account.name,
    status: enterprise.lifecycle === "deleting" ? ("deleting" as const) : account.status,
    parentId: account.parentId,
    adminName: enterprise.adminName,
    adminEmail: enterprise.adminEmail,
    regionIds: enterprise.regionIds,
    services: enterprise.services,
    userLimit: enterprise.userLimit,
    billingReference: enterprise.billingReference,
    createdAt: account.createdAt.toISOString(),
  };
}

export async function findEnterprise(db: Executor, account: Account) {
  const [row] = await db.select().from(enterprises).where(eq(enterprises.accountId, account.id));
  if (!row) throw Problem.notFound("No such enterprise.");
  return row;
}

/**
 * Add Enterprise: the enterprise account, its customer profile and its first Admin (invited through the
 * identity service: activation link and temporary password by email), in one transaction with audit.
 */
export async function createEnterprise(
  deps: IdentityDeps,
  audit: AuditContext,
  parent: Account,
  input: EnterpriseInput,
) {
  const email = normalizeEmail(input.adminEmail);
  const errors = await checkRegions(deps.db, input.regionIds);
  // No "email in use" check: it would let callers probe addresses portal-wide. The invitation's
  // activation refuses an address that already has an account (identity README).
  if (errors.length > 0) throw Problem.invalid(errors);

  const identity = identityService(deps);
  return deps.db.transaction(async (tx) => {
    const created = await accountRepository(tx).create({
      kind: "enterprise",
      name: input.companyName.trim(),
      parent,
    });
    const [profile] = await tx
      .insert(enterprises)
      .values({
        accountId: created.id,
        adminName: input.adminName.trim(),
        adminEmail: email,
        regionIds: input.regionIds,
        services: input.services,
        userLimit: input.userLimit,
        billingReference: input.billingReference,
      })
      .returning();
    await recordAudit(tx, audit, {
      action: "enterprise.create",
      accountId: created.id,
      targetType: "enterprise",
      targetId: created.id,
      after: { name: created.name, parentId: parent.id, ...profile },
    });
    try {
      await identity.inviteUser(
        tx,
        { accountId: created.id, name: input.adminName, email, role: "Admin" },
        audit,
      );
    } catch (error) {
      // The invitation's field names map onto the Add Enterprise form.
      if (error instanceof Problem && error.errors) {
        const errors = error.errors.map((e) => ({
          ...e,
          field: e.field === "email" ? "adminEmail" : e.field === "name" ? "adminName" : e.field,
        }));
        throw new Problem(error.status, error.title, error.detail, errors);
      }
      throw error;
    }
    return created;
  });
}

export async function updateEnterprise(
  db: Database,
  audit: AuditContext,
  account: Account,
  input: EnterpriseUpdate,
) {
  const errors = await checkRegions(db, input.regionIds);
  if (errors.length > 0) throw Problem.invalid(errors);
  await db.transaction(async (tx) => {
    const before = await findEnterprise(tx, account);
    await tx
      .update(accounts)
      .set({ name: input.companyName.trim(), updatedAt: new Date() })
      .where(eq(accounts.id, account.id));
    const values = {
      regionIds: input.regionIds,
      services: input.services,
      userLimit: input.userLimit,
      billingReference: input.billingReference,
      updatedAt: new Date(),
    };
    await tx.update(enterprises).set(values).where(eq(enterprises.accountId, account.id));
    await recordAudit(tx, audit, {
      action: "enterprise.update",
      accountId: account.id,
      targetType: "enterprise",
      targetId: account.id,
      before: { name: account.name, ...before },
      after: { name: input.companyName, ...values },
    });
  });
}

export async function setEnterpriseStatus(
  db: Database,
  audit: AuditContext,
  account: Account,
  status: "active" | "suspended",
) {
  await db.transaction(async (tx) => {
    await tx.update(accounts).set({ status, updatedAt: new Date() }).where(eq(accounts.id, account.id));
    await recordAudit(tx, audit, {
      action: status === "suspended" ? "enterprise.suspend" : "enterprise.resume",
      accountId: account.id,
      targetType: "enterprise",
      targetId: account.id,
      before: { status: account.status },
      after: { status },
    });
  });
}

/** Marks the enterprise for deletion; the job removes what sip2teams created in the tenant, then the records. */
export async function requestEnterpriseDeletion(
  deps: { db: Database; jobs: JobQueue },
  audit: AuditContext,
  account: Account,
  enqueue: (jobs: JobQueue, enterpriseAccountId: string) => Promise<unknown>,
) {
  await deps.db.transaction(async (tx) => {
    const before = await findEnterprise(tx, account);
    if (before.lifecycle === "deleting") throw Problem.conflict("This enterprise is being deleted already.");
    await tx
      .update(enterprises)
      .set({ lifecycle: "deleting", updatedAt: new Date() })
      .where(eq(enterprises.accountId, account.id));
    await recordAudit(tx, audit, {
      action: "enterprise.delete-requested",
      accountId: account.id,
      targetType: "enterprise",
      targetId: account.id,
    });
  });
  await enqueue(deps.jobs, account.id);
}
