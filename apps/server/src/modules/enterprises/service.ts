import type { Database, Executor } from "../../db/client.js";
import { checkPreconditions, entityTag, type Preconditions } from "../../http/etag.js";
import { isKeyValue, keysetCursor, toPage } from "../../http/pagination.js";
import { type FieldError, Problem } from "../../http/problem.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { type IdentityDeps, identityService, normalizeEmail } from "../identity/index.js";
import { findRegions } from "../operator-settings/index.js";
import { type Account, accountRepository, type TenantScope, tenantScope } from "../tenancy/index.js";
import { enqueueEnterpriseDeletion } from "./jobs.js";
import { enterprisesRepository, type ListQuery } from "./repository.js";
import type { Enterprise, EnterpriseService } from "./schema.js";

export type { ListQuery };

/** The list as the route asks for it: page numbers (the portal's table) or a cursor, `limit` or `pageSize`. */
export type EnterpriseListRequest = Omit<ListQuery, "after"> & { cursor?: string; limit?: number };

const SORTS = ["name", "createdAt", "status"] as const;
const enterpriseCodec = keysetCursor("text", "text", "text", "uuid");

/**
 * A cursor of the enterprise list, or null when it was not made here: it carries the sort and order it was
 * made for, the sort key of the last row (a timestamp for `createdAt`) and its id.
 */
export function decodeEnterpriseCursor(cursor: string) {
  const values = enterpriseCodec.decode(cursor);
  if (!values) return null;
  const [sort, order, key, id] = values;
  const validSort = (SORTS as readonly string[]).includes(sort);
  if (!validSort || (order !== "asc" && order !== "desc")) return null;
  if (sort === "createdAt" && !isKeyValue("timestamp", key)) return null;
  if (sort === "status" && key !== "active" && key !== "suspended") return null;
  return { sort: sort as ListQuery["sort"], order: order as ListQuery["order"], key, id };
}

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

/** Unknown region ids answer per-field errors such as `regionIds.1`. */
export async function checkRegions(
  db: Executor,
  regionIds: string[],
  field = "regionIds",
): Promise<FieldError[]> {
  if (regionIds.length === 0) return [{ field, message: "Choose at least one region." }];
  const known = await findRegions(db, regionIds);
  const ids = new Set(known.map((r) => r.id));
  return regionIds.flatMap((id, i) =>
    ids.has(id) ? [] : [{ field: `${field}.${i}`, message: "Unknown region." }],
  );
}

/** What the onboarding of each enterprise has reached, as the enterprise list shows it. */
export interface EnterpriseProgress {
  trunkFqdn: string | null;
  microsoftConnection: "connected" | "disconnected" | "not-connected";
  tenantDomain: string | null;
  setupStatus: "queued" | "running" | "waiting" | "completed" | "failed" | null;
}

/**
 * Reads the progress of the listed enterprises from the modules above this one (trunks, microsoft,
 * direct-routing-setup); the composition root passes direct-routing-setup's reader in.
 */
export type EnterpriseProgressReader = (
  scope: TenantScope,
  enterpriseAccountIds: string[],
) => Promise<Map<string, EnterpriseProgress>>;

const NO_PROGRESS: EnterpriseProgress = {
  trunkFqdn: null,
  microsoftConnection: "not-connected",
  tenantDomain: null,
  setupStatus: null,
};

/** Enterprises below `scope`, with server-side search, sort and paging. */
export async function listEnterprises(
  deps: { db: Database; enterpriseProgress: EnterpriseProgressReader },
  scopeAccount: Account,
  query: EnterpriseListRequest,
) {
  const scope = tenantScope(scopeAccount);
  const pageSize = query.limit ?? query.pageSize;
  const position = query.cursor ? decodeEnterpriseCursor(query.cursor) : null;
  if (position && (position.sort !== query.sort || position.order !== query.order)) {
    throw Problem.field("cursor", "This cursor belongs to another sort or order; start again without it.");
  }
  const { total, rows: fetched } = await enterprisesRepository(deps.db).list(scope, {
    ...query,
    pageSize,
    after: position ? { key: position.key, id: position.id } : undefined,
  });
  const { items: rows, nextCursor } = toPage(fetched, pageSize, (last) =>
    enterpriseCodec.encode([query.sort, query.order, last.sortKey, last.account.id]),
  );
  const progress = await deps.enterpriseProgress(
    scope,
    rows.map((r) => r.account.id),
  );
  return {
    total,
    nextCursor,
    items: rows.map((r) => ({
      ...enterpriseView(r.account, r.enterprise),
      ...(progress.get(r.account.id) ?? NO_PROGRESS),
    })),
  };
}

export function enterpriseView(account: Account, enterprise: Enterprise) {
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

/** The profile of the enterprise `account` (the gate's target: the scope is the account itself). */
export async function findEnterprise(db: Executor, account: Account): Promise<Enterprise> {
  const row = await enterprisesRepository(db).find(tenantScope(account), account.id);
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
    const profile = await enterprisesRepository(tx).insert(tenantScope(parent), created.id, {
      adminName: input.adminName.trim(),
      adminEmail: email,
      regionIds: input.regionIds,
      services: input.services,
      userLimit: input.userLimit,
      billingReference: input.billingReference,
    });
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

/** The version of what an update of the enterprise replaces (its name and profile), as its ETag. */
export function enterpriseEtag(account: Pick<Account, "id" | "name">, enterprise: Enterprise): string {
  const { regionIds, services, userLimit, billingReference } = enterprise;
  return entityTag("enterprise", account.id, {
    name: account.name,
    regionIds,
    services,
    userLimit,
    billingReference,
  });
}

/**
 * Edit: the name and profile, if the caller's preconditions (`If-Match`) hold for the version it finds with
 * both rows locked. Returns the account and profile as saved.
 */
export async function updateEnterprise(
  db: Database,
  audit: AuditContext,
  account: Account,
  input: EnterpriseUpdate,
  preconditions: Preconditions = {},
) {
  const errors = await checkRegions(db, input.regionIds);
  if (errors.length > 0) throw Problem.invalid(errors);
  return db.transaction(async (tx) => {
    const enterprisesInScope = enterprisesRepository(tx);
    const locked = await enterprisesInScope.lock(tenantScope(account), account.id);
    if (!locked) throw Problem.notFound("No such enterprise.");
    checkPreconditions(preconditions, enterpriseEtag(locked.account, locked.enterprise), "enterprise");
    const before = locked.enterprise;
    const saved = await enterprisesInScope.updateAccount(tenantScope(account), account.id, {
      name: input.companyName.trim(),
    });
    const values = {
      regionIds: input.regionIds,
      services: input.services,
      userLimit: input.userLimit,
      billingReference: input.billingReference,
      updatedAt: new Date(),
    };
    const profile = await enterprisesInScope.update(tenantScope(account), account.id, values);
    await recordAudit(tx, audit, {
      action: "enterprise.update",
      accountId: account.id,
      targetType: "enterprise",
      targetId: account.id,
      before: { name: locked.account.name, ...before },
      after: { name: input.companyName, ...values },
    });
    return { account: saved!, enterprise: profile! };
  });
}

export async function setEnterpriseStatus(
  db: Database,
  audit: AuditContext,
  account: Account,
  status: "active" | "suspended",
) {
  await db.transaction(async (tx) => {
    await enterprisesRepository(tx).updateAccount(tenantScope(account), account.id, { status });
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
  deps: { db: Database; jobs: Pick<JobQueue, "enqueue"> },
  audit: AuditContext,
  account: Account,
) {
  await deps.db.transaction(async (tx) => {
    const before = await findEnterprise(tx, account);
    if (before.lifecycle === "deleting") throw Problem.conflict("This enterprise is being deleted already.");
    await enterprisesRepository(tx).update(tenantScope(account), account.id, { lifecycle: "deleting" });
    await recordAudit(tx, audit, {
      action: "enterprise.delete-requested",
      accountId: account.id,
      targetType: "enterprise",
      targetId: account.id,
    });
  });
  await enqueueEnterpriseDeletion(deps.jobs, account.id);
}
