import { and, asc, count, eq, inArray, isNull, like, lte, or, sql } from "drizzle-orm";
import parsePhoneNumber, { isValidPhoneNumber } from "libphonenumber-js";
import type { Database, Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import { type Account, accounts } from "../tenancy/schema.js";
import { phoneNumbers } from "./schema.js";

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
  let added = 0;
  const known: string[] = [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < unique.length; i += 1000) {
      const chunk = unique.slice(i, i + 1000);
      const inserted = await tx
        .insert(phoneNumbers)
        .values(chunk.map((number) => ({ number, holderAccountId: holder.id })))
        .onConflictDoNothing()
        .returning({ number: phoneNumbers.number });
      added += inserted.length;
      const got = new Set(inserted.map((r) => r.number));
      known.push(...chunk.filter((n) => !got.has(n)));
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
    const rows = await tx
      .update(phoneNumbers)
      .set({ enterpriseAccountId: enterprise.id, updatedAt: new Date() })
      .where(
        and(
          inArray(phoneNumbers.number, numbers),
          eq(phoneNumbers.state, "available"),
          or(isNull(phoneNumbers.enterpriseAccountId), eq(phoneNumbers.enterpriseAccountId, enterprise.id)),
          sql`${phoneNumbers.holderAccountId} in (select id from accounts where path like ${`${actorAccount.path}%`})`,
        ),
      )
      .returning({ number: phoneNumbers.number });
    const ok = new Set(rows.map((r) => r.number));
    await recordAudit(tx, audit, {
      action: "numbers.allocate",
      accountId: enterprise.id,
      targetType: "phone-numbers",
      after: { allocated: rows.length },
    });
    return { allocated: rows.length, refused: numbers.filter((n) => !ok.has(n)) };
  });
}

/**
 * Marks an inventory number assigned to a user. Refuses a number another enterprise holds;
 * numbers not in the inventory are allowed (the enterprise may bring its own).
 */
export async function claimNumber(
  tx: Executor,
  number: string,
  enterpriseAccountId: string,
  provisionedUserId: string,
) {
  const [row] = await tx.select().from(phoneNumbers).where(eq(phoneNumbers.number, number));
  if (!row) return;
  if (row.enterpriseAccountId !== enterpriseAccountId)
    throw Problem.conflict("This number belongs to another customer.", [
      { field: "phoneNumber", message: "This number belongs to another customer." },
    ]);
  if (row.state === "quarantined" && row.quarantinedUntil && row.quarantinedUntil > new Date())
    throw Problem.conflict("This number was released recently and is in quarantine.", [
      {
        field: "phoneNumber",
        message: `In quarantine until ${row.quarantinedUntil.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
      },
    ]);
  await tx
    .update(phoneNumbers)
    .set({ state: "assigned", provisionedUserId, conflict: null, updatedAt: new Date() })
    .where(eq(phoneNumbers.number, number));
}

let quarantineDays = 0;
/** Set once at boot from NUMBER_QUARANTINE_DAYS. */
export function setQuarantineDays(days: number) {
  quarantineDays = days;
}

/** After a user is removed: the number cools down before it can be assigned again. */
export async function releaseNumber(tx: Executor, number: string, enterpriseAccountId: string) {
  const until = new Date(Date.now() + quarantineDays * 86_400_000);
  await tx
    .update(phoneNumbers)
    .set({
      state: quarantineDays > 0 ? "quarantined" : "available",
      quarantinedUntil: quarantineDays > 0 ? until : null,
      provisionedUserId: null,
      updatedAt: new Date(),
    })
    .where(and(eq(phoneNumbers.number, number), eq(phoneNumbers.enterpriseAccountId, enterpriseAccountId)));
}

export async function reportConflict(db: Executor, number: string, detail: string) {
  await db
    .update(phoneNumbers)
    .set({ conflict: detail, updatedAt: new Date() })
    .where(eq(phoneNumbers.number, number));
}

/** Quarantined numbers whose cool-down ended become available again. */
export async function endQuarantines(db: Executor) {
  await db
    .update(phoneNumbers)
    .set({ state: "available", quarantinedUntil: null, updatedAt: new Date() })
    .where(and(eq(phoneNumbers.state, "quarantined"), lte(phoneNumbers.quarantinedUntil, new Date())));
}

export interface NumberListQuery {
  search?: string;
  state?: "available" | "reserved" | "assigned" | "quarantined";
  page: number;
  pageSize: number;
}

/** Numbers visible to an account: those it holds (and its children hold), or allocated to it. */
export async function listNumbers(db: Database, account: Account, query: NumberListQuery) {
  const scope =
    account.kind === "enterprise"
      ? eq(phoneNumbers.enterpriseAccountId, account.id)
      : sql`${phoneNumbers.holderAccountId} in (select id from accounts where path like ${`${account.path}%`})`;
  const where = and(
    scope,
    query.state ? eq(phoneNumbers.state, query.state) : undefined,
    query.search ? like(phoneNumbers.number, `%${query.search.replace(/[%_\\]/g, "")}%`) : undefined,
  );
  const [total] = await db.select({ n: count() }).from(phoneNumbers).where(where);
  const rows = await db
    .select({
      number: phoneNumbers.number,
      state: phoneNumbers.state,
      enterpriseAccountId: phoneNumbers.enterpriseAccountId,
      enterpriseName: accounts.name,
      quarantinedUntil: phoneNumbers.quarantinedUntil,
      conflict: phoneNumbers.conflict,
    })
    .from(phoneNumbers)
    .leftJoin(accounts, eq(accounts.id, phoneNumbers.enterpriseAccountId))
    .where(where)
    .orderBy(asc(phoneNumbers.number))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  return { total: total?.n ?? 0, items: rows };
}

/** The enterprise's unassigned inventory numbers starting with `prefix` (for the Add User form). */
export async function availableForEnterprise(
  db: Database,
  enterpriseAccountId: string,
  prefix: string,
  limit = 20,
) {
  const rows = await db
    .select({ number: phoneNumbers.number })
    .from(phoneNumbers)
    .where(
      and(
        eq(phoneNumbers.enterpriseAccountId, enterpriseAccountId),
        or(
          eq(phoneNumbers.state, "available"),
          and(eq(phoneNumbers.state, "quarantined"), lte(phoneNumbers.quarantinedUntil, new Date())),
        ),
        prefix ? like(phoneNumbers.number, `${prefix.replace(/[%_\\]/g, "")}%`) : undefined,
      ),
    )
    .orderBy(asc(phoneNumbers.number))
    .limit(limit);
  return rows.map((r) => r.number);
}
