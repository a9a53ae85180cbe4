import type { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { Problem } from "../../http/problem.js";
import { provisioningQueue } from "../teams-users/jobs.js";
import { auditContext, enterpriseOf } from "../teams-users/routes.js";
import { applyJobRef } from "./jobs.js";
import { bulkImports } from "./schema.js";
import { CSV_COLUMNS, createImport, listRows, summary } from "./service.js";

const params = z.object({ accountId: z.string() });
const importParams = params.extend({ importId: z.uuid() });

const importView = z
  .object({
    id: z.string(),
    fileName: z.string().nullable(),
    status: z.enum(["preview", "applying", "completed", "failed", "cancelled"]),
    totalRows: z.number().int(),
    validRows: z.number().int(),
    errorRows: z.number().int(),
    appliedRows: z.number().int(),
    failedRows: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "BulkImport" });

const rowView = z.object({
  rowNumber: z.number().int(),
  upn: z.string(),
  sipUser: z.string(),
  phoneNumber: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
  outcome: z.string().nullable(),
});

/** Bulk CSV import of users: upload → preview with per-row errors → confirm → applied in the background. */
export function bulkImportRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const serviceDeps = { db: deps.db, secrets: deps.secrets, jobs: provisioningQueue(deps.jobs) };
  return async (app) => {
    // The CSV arrives as a stream; it is parsed row by row, never buffered whole.
    app.addContentTypeParser(["text/csv", "application/octet-stream"], (_request, payload, done) =>
      done(null, payload),
    );

    app.post(
      "/api/accounts/:accountId/teams-users/imports",
      {
        bodyLimit: 100 * 1024 * 1024,
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "uploadUsersCsv",
          description: `Body: the CSV (text/csv) with a header row. Columns: ${CSV_COLUMNS.join(", ")}. Devices: "authId:password; …".`,
          params,
          querystring: z.object({ fileName: z.string().max(200).optional() }),
          response: { 201: importView },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        if (!request.body || typeof (request.body as Readable).pipe !== "function")
          throw Problem.badRequest("Send the CSV file as text/csv.");
        const created = await createImport(
          serviceDeps,
          auditContext(request),
          enterprise,
          request.body as Readable,
          request.query.fileName ?? null,
        );
        return reply.code(201).send(created);
      },
    );

    app.get(
      "/api/accounts/:accountId/teams-users/imports/:importId",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "getUsersImport",
          params: importParams,
          querystring: z.object({
            errorsOnly: z.enum(["true", "false"]).default("false"),
            page: z.coerce.number().int().min(1).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ import: importView, rows: z.array(rowView) }) },
        },
      },
      async (request) => {
        const enterprise = enterpriseOf(request);
        const found = await findImport(enterprise.id, request.params.importId);
        const rows = await listRows(deps.db, found.id, {
          errorsOnly: request.query.errorsOnly === "true",
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
        return { import: found, rows };
      },
    );

    app.post(
      "/api/accounts/:accountId/teams-users/imports/:importId/apply",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "applyUsersImport",
          params: importParams,
          response: { 202: importView },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        const found = await findImport(enterprise.id, request.params.importId);
        if (found.status !== "preview") throw Problem.conflict("This import was already confirmed.");
        if (found.validRows === 0)
          throw Problem.conflict("No row is valid; fix the file and upload it again.");
        await deps.db
          .update(bulkImports)
          .set({ status: "applying", updatedAt: new Date() })
          .where(eq(bulkImports.id, found.id));
        await deps.jobs.enqueue(applyJobRef, { importId: found.id }, { singletonKey: `import:${found.id}` });
        return reply.code(202).send(await summary(deps.db, found.id));
      },
    );

    async function findImport(enterpriseAccountId: string, id: string) {
      const [row] = await deps.db
        .select()
        .from(bulkImports)
        .where(and(eq(bulkImports.id, id), eq(bulkImports.enterpriseAccountId, enterpriseAccountId)));
      if (!row) throw Problem.notFound("No such import.");
      return row;
    }
  };
}
