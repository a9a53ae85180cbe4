import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database, Executor } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { type FieldError, Problem } from "../../http/problem.js";
import type { AuditContext } from "../audit/index.js";
import { recordAudit } from "../audit/index.js";
import { availableForEnterprise, toE164 } from "../numbers/index.js";
import type { TenantScope } from "../tenancy/index.js";
import {
  DirectoryReadError,
  httpDirectoryAdapter,
  type PbxDirectoryAdapter,
  type PbxDirectoryDocument,
  type PbxUser,
} from "./adapter.js";
import { pbxDirectoryRepository } from "./repository.js";

const BEARER_AD = "pbx-directory-bearer";
const EXTENSION = /^[A-Za-z0-9*#+._-]{1,32}$/;
const REPORTED_ERRORS = 50;

/**
 * Checks a directory document: every extension well-formed and once, every caller ID E.164 (normalised).
 * `fieldOf(i, key)` names the field of an error (a CSV line, or a path in the JSON document).
 */
export function checkDirectory(
  document: PbxDirectoryDocument,
  fieldOf: (index: number, key: string) => string,
): PbxUser[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const users: PbxUser[] = [];
  document.users.forEach((u, i) => {
    const fail = (key: string, message: string) => {
      if (errors.length < REPORTED_ERRORS) errors.push({ field: fieldOf(i, key), message });
    };
    if (!EXTENSION.test(u.extension))
      fail("extension", `"${u.extension}" is not an extension (1-32 letters, digits, * # + . _ -).`);
    else if (seen.has(u.extension)) fail("extension", `Extension ${u.extension} is listed twice.`);
    seen.add(u.extension);
    const callerId = u.defaultCallerId ? toE164(u.defaultCallerId) : null;
    if (u.defaultCallerId && !callerId)
      fail("defaultCallerId", `"${u.defaultCallerId}" is not a phone number in E.164 (e.g. +14255557201).`);
    users.push({ extension: u.extension, name: u.name, defaultCallerId: callerId });
  });
  if (errors.length) throw Problem.invalid(errors, "Some PBX users are invalid; nothing was imported.");
  return users;
}

/** Replaces the enterprise's directory with an uploaded one (CSV or JSON), all or nothing, audited. */
export async function importDirectory(
  db: Database,
  audit: AuditContext,
  enterprise: TenantScope,
  users: PbxUser[],
) {
  await db.transaction(async (tx) => {
    await pbxDirectoryRepository(db).replaceAll(enterprise, users, "upload", tx);
    await recordAudit(tx, audit, {
      action: "pbx-directory.import",
      accountId: enterprise.accountId,
      targetType: "pbx-directory",
      targetId: enterprise.accountId,
      after: { users: users.length },
    });
  });
  return { imported: users.length };
}

export interface SourceInput {
  baseUrl: string;
  /** Undefined keeps the stored token; null removes it. */
  bearerToken?: string | null;
}

export async function saveSource(
  deps: { db: Database; secrets: SecretBox },
  audit: AuditContext,
  enterprise: TenantScope,
  input: SourceInput,
) {
  const repository = pbxDirectoryRepository(deps.db);
  await deps.db.transaction(async (tx) => {
    const before = await repository.source(enterprise, tx);
    const bearerTokenSealed =
      input.bearerToken === undefined
        ? (before?.bearerTokenSealed ?? null)
        : input.bearerToken === null
          ? null
          : deps.secrets.seal(input.bearerToken, BEARER_AD);
    await repository.saveSource(enterprise, { baseUrl: input.baseUrl, bearerTokenSealed }, tx);
    await recordAudit(tx, audit, {
      action: "pbx-directory.source",
      accountId: enterprise.accountId,
      targetType: "pbx-directory",
      targetId: enterprise.accountId,
      before: before
        ? { baseUrl: before.baseUrl, bearerToken: Boolean(before.bearerTokenSealed) }
        : undefined,
      after: { baseUrl: input.baseUrl, bearerToken: Boolean(bearerTokenSealed) },
    });
  });
}

export async function sourceView(db: Executor, enterprise: TenantScope) {
  const row = await pbxDirectoryRepository(db).source(enterprise);
  if (!row) return null;
  return {
    baseUrl: row.baseUrl,
    hasBearerToken: Boolean(row.bearerTokenSealed),
    lastSyncedAt: row.lastSyncedAt?.toISOString() ?? null,
    lastSyncCount: row.lastSyncCount,
    lastSyncError: row.lastSyncError,
  };
}

/** The adapter of the enterprise's configured source, or null without one. */
export async function sourceAdapter(
  deps: { db: Executor; secrets: SecretBox },
  enterprise: TenantScope,
): Promise<PbxDirectoryAdapter | null> {
  const row = await pbxDirectoryRepository(deps.db).source(enterprise);
  if (!row) return null;
  const token = row.bearerTokenSealed ? deps.secrets.open(row.bearerTokenSealed, BEARER_AD) : null;
  return httpDirectoryAdapter(row.baseUrl, token);
}

/**
 * Reads the enterprise's directory from its source and replaces the stored one. A failed read keeps the
 * stored directory and records the reason (shown with the source); it is not retried by the job.
 */
export async function syncDirectory(
  deps: { db: Database; secrets: SecretBox },
  enterprise: TenantScope,
  signal?: AbortSignal,
): Promise<void> {
  const repository = pbxDirectoryRepository(deps.db);
  const adapter = await sourceAdapter(deps, enterprise);
  if (!adapter) return;
  let users: PbxUser[];
  try {
    users = checkDirectory({ users: await adapter.listUsers(signal) }, (i, key) => `users.${i}.${key}`);
  } catch (error) {
    const message =
      error instanceof DirectoryReadError
        ? error.message
        : error instanceof Problem
          ? `The PBX directory has invalid users: ${(error.errors ?? [])
              .slice(0, 3)
              .map((e) => `${e.field} ${e.message}`)
              .join("; ")}`
          : null;
    if (message === null) throw error;
    await repository.recordSync(enterprise, { error: message });
    return;
  }
  await deps.db.transaction(async (tx) => {
    await repository.replaceAll(enterprise, users, "http", tx);
    await repository.recordSync(enterprise, { count: users.length }, tx);
  });
}

/**
 * Add User's Phone Number suggestion for a SIP User: the PBX user's default caller ID (guide 002 4.5), else
 * the enterprise's next free number.
 */
export async function suggestPhoneNumber(db: Executor, enterprise: TenantScope, sipUser: string) {
  const entry = sipUser ? await pbxDirectoryRepository(db).byExtension(enterprise, sipUser) : undefined;
  if (entry?.defaultCallerId)
    return { phoneNumber: entry.defaultCallerId, source: "pbx-directory" as const, pbxUserName: entry.name };
  const [next] = await availableForEnterprise(db, enterprise, "", 1);
  return {
    phoneNumber: next ?? null,
    source: next ? ("next-free" as const) : null,
    pbxUserName: entry?.name ?? null,
  };
}

/** Whether the enterprise reads its directory from an HTTP source (an uploaded CSV needs no sync). */
export async function hasSource(db: Executor, enterprise: TenantScope): Promise<boolean> {
  return Boolean(await pbxDirectoryRepository(db).source(enterprise));
}

/** The directory list Add User searches. */
/** Cursors of the directory list: the last extension. */
export const pbxDirectoryCursor = keysetCursor("text");

/** A page of the enterprise's PBX users matching `query` (extension or name), by extension. */
export async function searchDirectory(
  db: Executor,
  enterprise: TenantScope,
  query: string,
  page: { cursor?: string; limit: number },
) {
  const after = page.cursor ? pbxDirectoryCursor.decode(page.cursor)?.[0] : undefined;
  const rows = await pbxDirectoryRepository(db).search(enterprise, query, { after, limit: page.limit + 1 });
  return toPage(rows, page.limit, (last) => pbxDirectoryCursor.encode([last.extension]));
}
