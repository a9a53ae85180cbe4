import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { pageQuery, pageSchema } from "../../http/pagination.js";
import { Problem, problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext as auditOf } from "../audit/index.js";
import { type TenantScope, tenantScope } from "../tenancy/index.js";
import { pbxDirectoryDocument } from "./adapter.js";
import { directoryFromCsv, PBX_CSV_MAX_CHARS } from "./csv.js";
import { enqueueDirectorySync } from "./jobs.js";
import {
  checkDirectory,
  hasSource,
  importDirectory,
  pbxDirectoryCursor,
  saveSource,
  searchDirectory,
  sourceView,
} from "./service.js";

const params = z.object({ accountId: uuid() });
const pbxUser = z
  .object({
    extension: z.string(),
    name: z.string(),
    defaultCallerId: z.string().nullable(),
    source: z.enum(["upload", "http"]),
  })
  .meta({ id: "PbxDirectoryUser" });
const source = z
  .object({
    baseUrl: z.string(),
    hasBearerToken: z.boolean(),
    lastSyncedAt: z.string().nullable(),
    lastSyncCount: z.number().int().nullable(),
    lastSyncError: z.string().nullable(),
  })
  .nullable()
  .meta({ id: "PbxDirectorySource" });
const httpUrl = z
  .url({ protocol: /^https?$/, error: "Enter the directory's base URL (http:// or https://)." })
  .max(500, "Use at most 500 characters.");

/** The directory belongs to an enterprise: its scope, 404 on any other account (like a foreign id). */
function enterpriseScope(request: FastifyRequest): TenantScope {
  const target = targetAccountOf(request);
  if (target.kind !== "enterprise") throw Problem.notFound("No such enterprise.");
  return tenantScope(target);
}

/** What the PBX directory routes need: the source is sealed with `secrets`, syncs are queued on `jobs`. */
export type PbxDirectoryDeps = Parameters<typeof enqueueDirectorySync>[0];

/** The enterprise's PBX directory: upload (CSV or JSON), the HTTP source, sync, and the list Add User reads. */
export function pbxDirectoryRoutes(deps: PbxDirectoryDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/pbx-directory",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["pbx-directory"],
          operationId: "searchPbxDirectory",
          description:
            "The enterprise's PBX users whose extension or name contains `q`, by extension; cursor paging (docs/api.md, Pagination).",
          params,
          querystring: pageQuery(pbxDirectoryCursor).extend({ q: text(100).default("") }),
          response: { 200: pageSchema(pbxUser), 400: problemSchema },
        },
      },
      async (request) => {
        const { q, ...page } = request.query;
        return searchDirectory(deps.db, enterpriseScope(request), q, page);
      },
    );

    app.put(
      "/api/accounts/:accountId/pbx-directory",
      {
        bodyLimit: PBX_CSV_MAX_CHARS * 2,
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["pbx-directory"],
          operationId: "importPbxDirectory",
          description:
            "Replaces the enterprise's PBX users, all or nothing: a CSV (`extension,name,default_caller_id` per " +
            "line, an optional header line) or the PbxDirectoryDocument the HTTP adapter reads.",
          params,
          body: z.union([z.object({ csv: z.string().max(PBX_CSV_MAX_CHARS) }), pbxDirectoryDocument]),
          response: { 200: z.object({ imported: z.number().int() }) },
        },
      },
      async (request) => {
        const enterprise = enterpriseScope(request);
        const users =
          "csv" in request.body
            ? checkDirectory(directoryFromCsv(request.body.csv), (i, key) => `csv.${i + 1}.${key}`)
            : checkDirectory(request.body, (i, key) => `users.${i}.${key}`);
        return importDirectory(deps.db, auditOf(request), enterprise, users);
      },
    );

    app.get(
      "/api/accounts/:accountId/pbx-directory/source",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["pbx-directory"],
          operationId: "getPbxDirectorySource",
          params,
          response: { 200: source },
        },
      },
      async (request) => {
        return sourceView(deps.db, enterpriseScope(request));
      },
    );

    app.put(
      "/api/accounts/:accountId/pbx-directory/source",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["pbx-directory"],
          operationId: "setPbxDirectorySource",
          description:
            "The HTTP directory adapter: sip2teams reads GET {baseUrl}/users (the PbxDirectoryDocument) now and " +
            "on each sync. The bearer token is sealed and never returned; omit it to keep the stored one, null removes it.",
          params,
          body: z.object({
            baseUrl: httpUrl,
            bearerToken: z
              .string()
              .min(1, "Enter the token, or leave it out.")
              .max(4000)
              .nullable()
              .optional(),
          }),
          response: { 202: source },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseScope(request);
        await saveSource(deps, auditOf(request), enterprise, request.body);
        await enqueueDirectorySync(deps, enterprise.accountId);
        return reply.code(202).send(await sourceView(deps.db, enterprise));
      },
    );

    app.post(
      "/api/accounts/:accountId/pbx-directory/sync",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["pbx-directory"],
          operationId: "syncPbxDirectory",
          params,
          response: { 202: z.object({ queued: z.boolean() }) },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseScope(request);
        if (!(await hasSource(deps.db, enterprise)))
          throw Problem.conflict("Set the PBX directory's URL first; an uploaded CSV needs no sync.");
        await enqueueDirectorySync(deps, enterprise.accountId);
        return reply.code(202).send({ queued: true });
      },
    );
  };
}
