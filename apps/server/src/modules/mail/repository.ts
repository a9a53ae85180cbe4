import { desc } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { mailMessages } from "./schema.js";

export type StoredMail = typeof mailMessages.$inferSelect;

/**
 * The dev outbox (`mail_messages`). Not tenant data: it holds what the portal sent while no SMTP server is
 * configured, never in production, and only `/dev/mailbox` reads it.
 */
export function mailRepository(db: Executor) {
  return {
    async store(
      mail: Pick<StoredMail, "to" | "subject" | "text" | "html" | "links">,
      tx: Executor = db,
    ): Promise<void> {
      await tx.insert(mailMessages).values({ ...mail, transport: "outbox" });
    },

    async latest(limit: number, tx: Executor = db): Promise<StoredMail[]> {
      return tx.select().from(mailMessages).orderBy(desc(mailMessages.createdAt)).limit(limit);
    },
  };
}
