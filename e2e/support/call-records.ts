import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { ensureDatabase } from "../../apps/server/src/db/client.js";
import { type PortalAndBrowser, usePortalAndBrowser, withEmulator } from "./suite.js";

/** One CDR as Kamailio's acc writes it into acc_cdrs (times in epoch seconds; apps/server/test/call-logs.test.ts proves Kamailio does). */
export interface CallRecordSeed {
  direction: "pbx-to-teams" | "teams-to-pbx";
  enterpriseId: string;
  userNumber: string;
  from: string;
  to: string;
  invited: number;
  answered?: number | undefined;
  ended?: number | undefined;
  failed?: number | undefined;
  code: string;
  reason?: string | undefined;
  proxy?: string | undefined;
  callId?: string | undefined;
}

export interface PortalWithCallRecords extends PortalAndBrowser {
  /** Writes the CDRs straight into the portal's SBC database. */
  insertCalls(records: readonly CallRecordSeed[]): Promise<void>;
}

const seconds = (value: number | undefined) => (value === undefined ? null : value.toFixed(6));

/** For a describe block: the portal with the emulator and an SBC database of its own, Chromium, and a CDR writer. */
export function usePortalWithCallRecords(): PortalWithCallRecords {
  let sbcUrl = "";
  const started = usePortalAndBrowser(async () => {
    sbcUrl = await ensureDatabase(inject("postgresUrl"), `e2e_sbc_${randomBytes(6).toString("hex")}`);
    return { ...(await withEmulator()), SBC_DATABASE_URL: sbcUrl };
  });
  return Object.assign(started, {
    async insertCalls(records: readonly CallRecordSeed[]) {
      const db = new pg.Client({ connectionString: sbcUrl });
      await db.connect();
      try {
        for (const call of records) {
          await db.query(
            `insert into acc_cdrs (s2t_direction, s2t_enterprise, s2t_fqdn, s2t_user_number, s2t_from, s2t_to,
               s2t_call_id, s2t_invited, s2t_answered, s2t_ended, s2t_failed, s2t_code, s2t_reason, s2t_proxy)
             values ($1, $2, 'contoso.customers.example.net', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
            [
              call.direction,
              call.enterpriseId,
              call.userNumber,
              call.from,
              call.to,
              call.callId ?? randomUUID(),
              seconds(call.invited),
              seconds(call.answered),
              seconds(call.ended),
              seconds(call.failed),
              call.code,
              call.reason ?? null,
              call.proxy ?? null,
            ],
          );
        }
      } finally {
        await db.end();
      }
    },
  });
}
