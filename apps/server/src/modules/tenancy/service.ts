import { keysetCursor, toPage } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { hasUnstorableCharacters } from "../../http/schema-primitives.js";
import type { AccountRepository } from "./repository.js";
import type { TenantScope } from "./scope.js";

export interface SwitchableQuery {
  /** List the children of this account (a tree level); defaults to the scope account itself. */
  parentId?: string;
  /** Search the whole subtree by name instead (a flat list with each match's ancestors). */
  search?: string;
  cursor?: string;
  limit?: number;
}

const encode = (name: string, id: string) => Buffer.from(JSON.stringify([name, id])).toString("base64url");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A cursor of this listing, or null when it was not made by `encode` (the route refuses it with 400). */
export function decodeSwitchableCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString());
    return Array.isArray(value) &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      !hasUnstorableCharacters(value[0]) &&
      UUID.test(value[1])
      ? [value[0], value[1]]
      : null;
  } catch {
    return null;
  }
}

/** Cursors of the partners list: (name, id). */
export const partnerCursor = keysetCursor("text", "uuid");

/** The account tree as the acting account sees it: the multitenant menu and its partners. */
export function tenancyService(deps: {
  accounts: Pick<
    AccountRepository,
    "findWithinScope" | "listSwitchable" | "namesWithinScope" | "listChildPartners"
  >;
}) {
  const { accounts } = deps;
  return {
    /**
     * The accounts a user can switch into: the subtree below `scope`. Browsed level by level
     * (`parentId`), or searched by name across the whole subtree; keyset-paginated by name.
     */
    async listSwitchableAccounts(scope: TenantScope, query: SwitchableQuery) {
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
      const search = query.search?.trim();
      let parentId: string | undefined;
      if (!search) {
        parentId = query.parentId ?? scope.accountId;
        if (parentId !== scope.accountId && !(await accounts.findWithinScope(scope, parentId))) {
          throw Problem.notFound("No such account.");
        }
      }
      const cursor = query.cursor ? decodeSwitchableCursor(query.cursor) : null;
      const rows = await accounts.listSwitchable(scope, {
        parentId,
        search: search || undefined,
        after: cursor ?? undefined,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);

      // Names of the ancestors between the scope and each item, for breadcrumbs in search results.
      const between = (path: string) => path.slice(scope.path.length).split("/").filter(Boolean).slice(0, -1);
      const names = await accounts.namesWithinScope(scope, [
        ...new Set(page.flatMap((row) => between(row.path))),
      ]);
      return {
        items: page.map((row) => ({
          id: row.id,
          name: row.name,
          kind: row.kind,
          status: row.status,
          parentId: row.parentId,
          childCount: row.childCount,
          ancestors: between(row.path).map((id) => ({ id, name: names.get(id) ?? "" })),
        })),
        nextCursor:
          rows.length > limit ? encode(page[page.length - 1]!.name, page[page.length - 1]!.id) : null,
      };
    },

    /** A page of the direct child partners of the scope's account, by name. */
    async listPartners(scope: TenantScope, page: { cursor?: string; limit: number }) {
      const after = page.cursor ? (partnerCursor.decode(page.cursor) ?? undefined) : undefined;
      const rows = await accounts.listChildPartners(scope, { after, limit: page.limit + 1 });
      return toPage(rows, page.limit, (last) => partnerCursor.encode([last.name, last.id]));
    },
  };
}

export type TenancyService = ReturnType<typeof tenancyService>;
