import type { Database } from "../../../db/client.js";
import { keysetCursor, toPage } from "../../../http/pagination.js";
import { type FieldError, Problem } from "../../../http/problem.js";
import { type AuditContext, recordAudit } from "../../audit/index.js";
import { type TenantScope, tenantScope } from "../../tenancy/index.js";
import type { ApiKey, PortalRole } from "../schema.js";
import { parseCidr } from "./ip-ranges.js";
import { displayPrefix, newKeyMaterial } from "./key-material.js";
import type { ApiKeyRepository } from "./repository.js";

export interface NewApiKey {
  name: string;
  role: PortalRole;
  expiresAt?: Date | null;
  allowedIpRanges?: string[];
}

/** Cursors of the key list: (created, id). */
export const apiKeyCursor = keysetCursor("timestamp", "uuid");

export type ApiKeyStatus = "active" | "expired" | "revoked";

/** What the portal shows of a key: never its secret or hash. */
export function apiKeyView(key: ApiKey, now = new Date()) {
  const status: ApiKeyStatus = key.revokedAt
    ? "revoked"
    : key.expiresAt && key.expiresAt <= now
      ? "expired"
      : "active";
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: displayPrefix(key.publicId),
    allowedIpRanges: key.allowedIpRanges,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
    status,
  };
}

/** Settings › API keys: an Admin creates, lists and revokes the keys of an account. */
export function apiKeyService(deps: { db: Database; keys: ApiKeyRepository }) {
  return {
    /** A page of the account's keys, oldest first. */
    async list(account: { id: string; path: string }, page: { cursor?: string; limit: number }) {
      const after = page.cursor ? (apiKeyCursor.decode(page.cursor) ?? undefined) : undefined;
      const rows = await deps.keys.listInAccount(tenantScope(account), { after, limit: page.limit + 1 });
      return toPage(rows, page.limit, (last) => apiKeyCursor.encode([last.createdAtExact, last.id]));
    },

    /** Creates a key; the returned `key` is the only time its full value exists outside the caller. */
    async create(account: { id: string; path: string }, input: NewApiKey, audit: AuditContext) {
      const allowedIpRanges = normalizedRanges(input.allowedIpRanges ?? []);
      if (input.expiresAt && input.expiresAt <= new Date()) {
        throw Problem.field("expiresAt", "Choose an expiry in the future, or none.");
      }
      const material = newKeyMaterial();
      const scope: TenantScope = tenantScope(account);
      const row = await deps.db.transaction(async (tx) => {
        const created = await deps.keys.create(
          scope,
          {
            name: input.name,
            role: input.role,
            publicId: material.publicId,
            secretHash: material.secretHash,
            expiresAt: input.expiresAt ?? null,
            allowedIpRanges,
            // A portal Admin: key routes refuse keys at the gate (`apiKeys: false`).
            createdByUserId: audit.actor?.userId ?? null,
          },
          tx,
        );
        await recordAudit(tx, audit, {
          action: "api-key.created",
          accountId: account.id,
          targetType: "api-key",
          targetId: created.id,
          after: { name: created.name, role: created.role, expiresAt: created.expiresAt, allowedIpRanges },
        });
        return created;
      });
      return { key: material.key, apiKey: row };
    },

    async revoke(account: { id: string; path: string }, keyId: string, audit: AuditContext) {
      return deps.db.transaction(async (tx) => {
        const row = await deps.keys.revokeInAccount(tenantScope(account), keyId, tx);
        if (!row) throw Problem.notFound("No such API key.");
        await recordAudit(tx, audit, {
          action: "api-key.revoked",
          accountId: account.id,
          targetType: "api-key",
          targetId: row.id,
          after: { name: row.name },
        });
        return row;
      });
    },
  };
}

export type ApiKeyService = ReturnType<typeof apiKeyService>;

function normalizedRanges(ranges: string[]): string[] {
  const errors: FieldError[] = [];
  const normalized = ranges.map((range, index) => {
    const cidr = parseCidr(range);
    if (!cidr) {
      errors.push({
        field: `allowedIpRanges.${index}`,
        message: `"${range.slice(0, 60)}" is not an IP range: use CIDR such as 203.0.113.0/24 or 2001:db8::/32.`,
      });
      return range;
    }
    return `${cidr.address}/${cidr.prefix}`;
  });
  if (errors.length > 0) throw Problem.invalid(errors, "Some IP ranges are not valid.");
  return [...new Set(normalized)];
}
