import type { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { cursorAndLimitParams, nextCursorField } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { uuid } from "../../http/schema-primitives.js";
import { recordAudit } from "../audit/index.js";
import { auditContext, enterpriseOf, provisioningQueue } from "../teams-users/index.js";
import { type TenantScope, tenantScope } from "../tenancy/index.js";
import { applyJobKey, isApplyInterrupted } from "./apply-state.js";
import { CsvRejected, USERS_CSV_LIMITS } from "./csv-guard.js";
import type { BulkImportJobDeps } from "./jobs.js";
import { applyJobRef } from "./jobs.js";
import { bulkImportRepository } from "./repository.js";
import type { BulkImport } from "./schema.js";
import { CSV_COLUMNS, createImport, importRowCursor, listRows, summary } from "./service.js";

const params = z.object({ accountId: uuid() });
const importParams = params.extend({ importId: uuid() });

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
    /** Still `applying`, but nothing is applying it any more: it can be resumed. */
    interrupted: z.boolean(),
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
export function bulkImportRoutes(deps: BulkImportJobDeps): FastifyPluginAsyncZod {
  const serviceDeps = {
    db: deps.db,
    secrets: deps.secrets,
    jobs: provisioningQueue(deps.jobs),
    numberQuarantineDays: deps.config.NUMBER_QUARANTINE_DAYS,
  };
  const imports = bulkImportRepository(deps.db);
  return async (app) => {
    // The CSV arrives as a stream; it is parsed row by row, never buffered whole.
    app.addContentTypeParser(["text/csv", "application/octet-stream"], (_request, payload, done) =>
      done(null, payload),
    );

    const { maxBytes, maxLineBytes, maxRows } = USERS_CSV_LIMITS;
    app.post(
      "/api/accounts/:accountId/teams-users/imports",
      {
        // The stream parser above bypasses Fastify's limit; createImport enforces it while streaming.
        bodyLimit: maxBytes,
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "uploadUsersCsv",
          description:
            `Body: the CSV (text/csv, UTF-8) with a header row. Columns: ${CSV_COLUMNS.join(", ")}. ` +
            `Devices: "authId:password; …". Limits: ${maxBytes / 1024 / 1024} MB (413 beyond), ` +
            `${maxLineBytes.toLocaleString("en-US")} bytes per line and ${maxRows.toLocaleString("en-US")} rows; ` +
            "binary, UTF-16 or non-UTF-8 files are refused (400, naming the line).",
          params,
          querystring: z.object({
            fileName: z
              .string()
              .max(200)
              .refine(
                (name) => ![...name].some((c) => c.charCodeAt(0) < 0x20),
                "A file name cannot hold control characters.",
              )
              .optional(),
          }),
          response: { 201: importView },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        if (!request.body || typeof (request.body as Readable).pipe !== "function")
          throw Problem.badRequest("Send the CSV file as text/csv.");
        const refuse = (status: 400 | 413, message: string) => {
          // Answer now and close the connection rather than read the rest of a refused upload.
          reply.header("connection", "close");
          return status === 413
            ? new Problem(413, "Content Too Large", message, [{ field: "file", message }])
            : Problem.invalid([{ field: "file", message }], message);
        };
        const declared = Number(request.headers["content-length"] ?? 0);
        if (declared > maxBytes) throw refuse(413, `The file is larger than ${maxBytes / 1024 / 1024} MB.`);
        try {
          const created = await createImport(
            serviceDeps,
            auditContext(request),
            enterprise,
            request.body as Readable,
            request.query.fileName ?? null,
          );
          return reply.code(201).send({ ...created, interrupted: false });
        } catch (error) {
          if (error instanceof CsvRejected) throw refuse(error.status, error.message);
          throw error;
        }
      },
    );

    app.get(
      "/api/accounts/:accountId/teams-users/imports/:importId",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "getUsersImport",
          description:
            "The import and a page of its rows (`rows`, by row number): `cursor`/`limit` as every list (docs/api.md, Pagination), or `page`/`pageSize`.",
          params: importParams,
          querystring: z.object({
            errorsOnly: z.enum(["true", "false"]).default("false"),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(100),
            ...cursorAndLimitParams(importRowCursor),
          }),
          response: {
            200: z.object({ import: importView, rows: z.array(rowView), nextCursor: nextCursorField }),
          },
        },
      },
      async (request) => {
        const scope = tenantScope(enterpriseOf(request));
        const found = await findImport(scope, request.params.importId);
        const page = await listRows(deps.db, scope, found.id, {
          ...request.query,
          errorsOnly: request.query.errorsOnly === "true",
        });
        return { import: await view(found), rows: page.items, nextCursor: page.nextCursor };
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
        const scope = tenantScope(enterpriseOf(request));
        const found = await findImport(scope, request.params.importId);
        if (found.status !== "preview") throw Problem.conflict("This import was already confirmed.");
        if (found.validRows === 0)
          throw Problem.conflict("No row is valid; fix the file and upload it again.");
        if (!(await imports.confirm(scope, found.id)))
          throw Problem.conflict("This import was already confirmed.");
        await deps.jobs.enqueue(applyJobRef, { importId: found.id }, { singletonKey: applyJobKey(found.id) });
        return reply.code(202).send(await view(await summary(deps.db, scope, found.id)));
      },
    );

    app.post(
      "/api/accounts/:accountId/teams-users/imports/:importId/resume",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["bulk-import"],
          operationId: "resumeUsersImport",
          description:
            "Queues the apply again for an import whose apply was interrupted (`interrupted` is true: it is " +
            "still applying, but no apply job is queued, or the running one has not finished a row for five " +
            "minutes). Rows already applied are not applied again.",
          params: importParams,
          response: { 202: importView },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        const scope = tenantScope(enterprise);
        const found = await findImport(scope, request.params.importId);
        if (found.status !== "applying")
          throw Problem.conflict(
            `Only an import that is applying can be resumed; this one is ${found.status}.`,
          );
        if (!(await isApplyInterrupted(deps.jobs, found)))
          throw Problem.conflict("This import is still being applied; there is nothing to resume.");
        // Compare-and-set on updatedAt: of two Resume clicks at once, one queues the job.
        const resumed = await deps.db.transaction(async (tx) => {
          if (!(await imports.touchIfUnchanged(scope, found.id, found.updatedAt, tx))) return false;
          await recordAudit(tx, auditContext(request), {
            action: "bulk-import.resume",
            accountId: enterprise.id,
            targetType: "bulk-import",
            targetId: found.id,
            before: { appliedRows: found.appliedRows, failedRows: found.failedRows },
          });
          return true;
        });
        if (!resumed) throw Problem.conflict("This import was just resumed.");
        await deps.jobs.enqueue(applyJobRef, { importId: found.id }, { singletonKey: applyJobKey(found.id) });
        return reply.code(202).send({ ...(await summary(deps.db, scope, found.id)), interrupted: false });
      },
    );

    async function view(found: BulkImport) {
      return { ...found, interrupted: await isApplyInterrupted(deps.jobs, found) };
    }

    async function findImport(scope: TenantScope, id: string) {
      const row = await imports.find(scope, id);
      if (!row) throw Problem.notFound("No such import.");
      return row;
    }
  };
}
