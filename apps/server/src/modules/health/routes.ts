import { sql } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import type { JobQueue } from "../../jobs/job-queue.js";

/** Liveness (process up) and readiness (database and job queue reachable), for load balancers. */
export function healthRoutes(deps: { db: Database; jobs: JobQueue }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/healthz",
      { schema: { tags: ["health"], response: { 200: z.object({ status: z.literal("ok") }) } } },
      async () => ({ status: "ok" as const }),
    );

    app.get(
      "/readyz",
      {
        schema: {
          tags: ["health"],
          response: {
            200: z.object({ status: z.literal("ready"), database: z.boolean(), jobQueue: z.boolean() }),
            503: z.object({ status: z.literal("unavailable"), database: z.boolean(), jobQueue: z.boolean() }),
          },
        },
      },
      async (_request, reply) => {
        const database = await deps.db
          .execute(sql`select 1`)
          .then(() => true)
          .catch(() => false);
        const jobQueue = await deps.jobs.isReachable();
        if (database && jobQueue) return { status: "ready" as const, database, jobQueue };
        return reply.code(503).send({ status: "unavailable" as const, database, jobQueue });
      },
    );
  };
}
