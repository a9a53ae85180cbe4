import { and, eq, ne } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { accounts } from "../tenancy/index.js";
import { type ConsentFlow, microsoftConnections, microsoftConsentFlows } from "./schema.js";

type FlowValues = Partial<typeof microsoftConsentFlows.$inferInsert>;
type ConnectionValues = Omit<typeof microsoftConnections.$inferInsert, "enterpriseAccountId">;

/**
 * Consent flows and the connection they write. A flow is found only by its id, the OAuth `state` (32 random
 * bytes, known only to whoever started it), because Microsoft's callback arrives without a portal session:
 * there is no tenant scope to apply, so every method here runs past the access gate by design.
 */
export function consentRepository(db: Executor) {
  const flowOf = (id: string) => eq(microsoftConsentFlows.id, id);
  const connectionOf = (enterpriseAccountId: string) =>
    eq(microsoftConnections.enterpriseAccountId, enterpriseAccountId);
  return {
    async insertFlow(values: typeof microsoftConsentFlows.$inferInsert, tx: Executor = db) {
      await tx.insert(microsoftConsentFlows).values(values);
    },

    async findFlow(id: string, tx: Executor = db): Promise<ConsentFlow | undefined> {
      const [row] = await tx.select().from(microsoftConsentFlows).where(flowOf(id));
      return row;
    },

    /** The flow with its enterprise's name (the result page). */
    async findFlowWithName(id: string, tx: Executor = db) {
      const [row] = await tx
        .select({ flow: microsoftConsentFlows, name: accounts.name })
        .from(microsoftConsentFlows)
        .innerJoin(accounts, eq(accounts.id, microsoftConsentFlows.enterpriseAccountId))
        .where(flowOf(id));
      return row;
    },

    async updateFlow(id: string, values: FlowValues, tx: Executor = db) {
      await tx.update(microsoftConsentFlows).set(values).where(flowOf(id));
    },

    /** The enterprise's name (the tenant replacement notice, sent after the callback). */
    async enterpriseName(enterpriseAccountId: string, tx: Executor = db): Promise<string | undefined> {
      const [row] = await tx
        .select({ name: accounts.name })
        .from(accounts)
        .where(eq(accounts.id, enterpriseAccountId));
      return row?.name;
    },

    async connectionOf(enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx.select().from(microsoftConnections).where(connectionOf(enterpriseAccountId));
      return row;
    },

    /** The enterprise's connection, locked until the transaction ends. */
    async lockConnection(enterpriseAccountId: string, tx: Executor) {
      const [row] = await tx
        .select()
        .from(microsoftConnections)
        .where(connectionOf(enterpriseAccountId))
        .for("update");
      return row;
    },

    /** Whether another enterprise is connected to this tenant (one tenant ↔ one enterprise). */
    async tenantConnectedElsewhere(tenantId: string, enterpriseAccountId: string, tx: Executor = db) {
      const [other] = await tx
        .select({ id: microsoftConnections.enterpriseAccountId })
        .from(microsoftConnections)
        .where(
          and(
            eq(microsoftConnections.tenantId, tenantId),
            eq(microsoftConnections.status, "connected"),
            ne(microsoftConnections.enterpriseAccountId, enterpriseAccountId),
          ),
        );
      return Boolean(other);
    },

    async saveConnection(enterpriseAccountId: string, values: ConnectionValues, tx: Executor = db) {
      await tx
        .insert(microsoftConnections)
        .values({ enterpriseAccountId, ...values })
        .onConflictDoUpdate({ target: microsoftConnections.enterpriseAccountId, set: values });
    },
  };
}
