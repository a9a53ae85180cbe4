import { and, eq, like } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { childPath } from "./policies.js";
import { type Account, accounts } from "./schema.js";

/** Accounts, always read within a scope: the subtree of the acting account. */
export function accountRepository(db: Executor) {
  return {
    async findById(id: string): Promise<Account | undefined> {
      const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
      return row;
    },

    async findWithinScope(scope: Pick<Account, "path">, id: string): Promise<Account | undefined> {
      const [row] = await db
        .select()
        .from(accounts)
        .where(and(eq(accounts.id, id), like(accounts.path, `${scope.path}%`)));
      return row;
    },

    async create(input: { kind: Account["kind"]; name: string; parent: Account | null }): Promise<Account> {
      const id = crypto.randomUUID();
      const path = input.parent ? childPath(input.parent, id) : `/${id}/`;
      const [row] = await db
        .insert(accounts)
        .values({ id, kind: input.kind, name: input.name, parentId: input.parent?.id ?? null, path })
        .returning();
      return row!;
    },

    async findOperator(): Promise<Account | undefined> {
      const [row] = await db.select().from(accounts).where(eq(accounts.kind, "operator")).limit(1);
      return row;
    },
  };
}
