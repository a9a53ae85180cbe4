import parsePhoneNumber, { isValidPhoneNumber } from "libphonenumber-js";
import type { Database, Executor } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { type Account, accountRepository, type TenantScope, tenantScope } from "../tenancy/index.js";
import { type NumberListQuery, numbersRepository } from "./repository.js";

export type { NumberListQuery };

/** Normalises to E.164, or null when libphonenumber-js does not accept it. */
export function toE164(raw: string): string | null {
  const value = raw.trim().replace(/[\s().-]/g, "");
  if (!/^\+\d{6,15}$/.test(value)) return null;
  if (!isValidPhoneNumber(value)) return null;
  return parsePhoneNumber(value)?.number ?? null;
}

export const MAX_RANGE = 10_000;

/** Expands "+12065550100" … "+12065550199" into its numbers (same length, at most MAX_RANGE). */
export function expandRange(first: string, last: string): string[] {
  const a = toE164(first);
  const b = toE164(last);
  if (!a || !b)
    throw Problem.field(a ? "last" : "first", "Enter a valid number in E.164 format, e.g. +12065550100.");
  if (a.length !== b.length)
    throw Problem.field("last", "The first and last numbers must have the same length.");
  const start = BigInt(a.slice(1));
  const end = BigInt(b.slice(1));
  if (end < start) throw Problem.field("last", "The last number must not be below the first.");
  if (end - start + 1n > BigInt(MAX_RANGE))
    throw Problem.field("last", `A range holds at most ${MAX_RANGE} numbers.`);
  const out: string[] = [];
  for (let n = start; n <= end; n++) out.push(`+${n.toString()}`);
  return out;
}

/** Adds numbers to the holder's inventory; numbers already known are reported, not changed. */
export async function addNumbers(
  db: Database,
  audit: AuditContext,
  holder: Account,
  numbers: string[],
): Promise<{ added: number; alreadyKnown: string[] }> {
  const unique = [...new Set(numbers)];
  const repository = numbersRepository(db);
  let added = 0;
  const known: string[] = [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < unique.length; i += 1000) {
      const chunk = unique.slice(i, i + 1000);
      const inserted = new Set(await repository.insertHeld(tenantScope(holder), chunk, tx));
      added += inserted.size;
      known.push(...chunk.filter((n) => !inserted.has(n)));
    }
    await recordAudit(tx, audit, {
      action: "numbers.add",
      accountId: holder.id,
      targetType: "phone-numbers",
      after: { added, first: unique[0], last: unique.at(-1) },
    });
  });
  return { added, alreadyKnown: known };
}

/** Allocates available numbers of the holder's subtree to an enterprise below it. */
export async function allocateNumbers(
  db: Database,
  audit: AuditContext,
  actorAccount: Account,
  enterprise: Account,
  numbers: string[],
): Promise<{ allocated: number; refused: string[] }> {
  if (enterprise.kind !== "enterprise" || !enterprise.path.startsWith(actorAccount.path))
    throw Problem.field("enterpriseAccountId", "Choose an enterprise you manage.");
  return db.transaction(async (tx) => {
    const allocated = await numbersRepository(db).allocate(
      tenantScope(actorAccount),
      enterprise.id,
      numbers,
      tx,
    );
    const ok = new Set(allocated);
    await recordAudit(tx, audit, {
      action: "numbers.allocate",
      accountId: enterprise.id,
      targetType: "phone-numbers",
      after: { allocated: allocated.length },
    });
    return { allocated: allocated.length, refused: numbers.filter((n) => !ok.has(n)) };
  });
}

/**
 * Marks an inventory number assigned to a user of the enterprise (`scope`). Refuses a number another
 * customer holds; numbers not in the inventory are allowed (the enterprise may bring its own).
 */
export async function claimNumber(
  tx: Executor,
  scope: TenantScope,
  number: string,
  provisionedUserId: string,
) {
  const repository = numbersRepository(tx);
  const row = await repository.findAllocated(scope, number);
  if (!row) {
    if (!(await repository.platform.inInventory(number))) return;
    throw Problem.conflict("This number belongs to another customer.", [
      { field: "phoneNumber", message: "This number belongs to another customer." },
    ]);
  }
  if (row.state === "quarantined" && row.quarantinedUntil && row.quarantinedUntil > new Date())
    throw Problem.conflict("This number was released recently and is in quarantine.", [
      {
        field: "phoneNumber",
        message: `In quarantine until ${row.quarantinedUntil.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
      },
    ]);
  await repository.markAssigned(scope, number, provisionedUserId);
}

/**
 * After a user is removed: the number cools down for `quarantineDays` (NUMBER_QUARANTINE_DAYS) before it can be
 * assigned again. `enterprise` is the enterprise's scope; an enterprise account id (the provisioning job's
 * form) is looked up to its scope.
 */
export async function releaseNumber(
  tx: Executor,
  number: string,
  enterprise: TenantScope | string,
  quarantineDays: number,
) {
  const scope = typeof enterprise === "string" ? await scopeOf(tx, enterprise) : enterprise;
  if (!scope) return;
  const until = quarantineDays > 0 ? new Date(Date.now() + quarantineDays * 86_400_000) : null;
  await numbersRepository(tx).release(scope, number, until);
}

async function scopeOf(db: Executor, accountId: string): Promise<TenantScope | undefined> {
  const account = await accountRepository(db).findById(accountId);
  return account ? tenantScope(account) : undefined;
}

/** Microsoft reports the number assigned in Teams to someone else: kept on the number, never overwritten. */
export async function reportConflict(db: Executor, number: string, detail: string) {
  await numbersRepository(db).platform.markConflict(number, detail);
}

/** Quarantined numbers whose cool-down ended become available again. */
export async function endQuarantines(db: Executor) {
  await numbersRepository(db).platform.endQuarantines(new Date());
}

/** Numbers visible to an account: those it holds (and its children hold), or allocated to it. */
/** Cursors of the number list: the last number. */
export const numberCursor = keysetCursor("text");

export async function listNumbers(
  db: Executor,
  account: Account,
  query: Omit<NumberListQuery, "after"> & { cursor?: string; limit?: number },
) {
  const pageSize = query.limit ?? query.pageSize;
  const after = query.cursor ? numberCursor.decode(query.cursor)?.[0] : undefined;
  const { total, items } = await numbersRepository(db).list(
    tenantScope(account),
    account.kind === "enterprise" ? "allocation" : "holder",
    { ...query, pageSize, after },
  );
  return { total, ...toPage(items, pageSize, (last) => numberCursor.encode([last.number])) };
}

/** The enterprise's unassigned inventory numbers starting with `prefix` (for the Add User form). */
export async function availableForEnterprise(
  db: Executor,
  enterprise: TenantScope,
  prefix: string,
  limit = 20,
) {
  return numbersRepository(db).listFree(enterprise, prefix, limit);
}
