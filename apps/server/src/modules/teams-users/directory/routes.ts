import { z } from "zod";
import { Problem } from "../../../http/problem.js";
import { text } from "../../../http/schema-primitives.js";
import { resumePendingConsent } from "../calling/service.js";
import { enqueueSync } from "../jobs.js";
import { enterpriseOf, params } from "../request-context.js";
import type { RouteApp, RouteContext } from "../route-context.js";
import { formOptions } from "../users/form-options.js";
import { provisioningStatus } from "../users/views.js";
import { exportUsersCsv } from "./export.js";
import { decodeCursor, listUsers, searchEligible, syncState } from "./service.js";

const syncView = z
  .object({
    status: z.enum(["idle", "queued", "running", "completed", "failed"]),
    pages: z.number().int(),
    usersSeen: z.number().int(),
    added: z.number().int(),
    updated: z.number().int(),
    removed: z.number().int(),
    fullSync: z.boolean(),
    lastError: z.string().nullable(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "TeamsUserSync" });

const userRow = z
  .object({
    objectId: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string(),
    eligible: z.boolean(),
    ineligibleReason: z.string().nullable(),
    removedAt: z.date().nullable(),
    provisioned: z
      .object({
        id: z.string(),
        pbxLocation: z.string(),
        sipUser: z.string(),
        phoneNumber: z.string(),
        regionId: z.string(),
        regionName: z.string(),
        callingEnabled: z.boolean(),
        deleting: z.boolean(),
        status: provisioningStatus,
        lastError: z.string().nullable(),
        cleanupRequired: z.boolean(),
        lastRunAt: z.date().nullable(),
        observedVoiceEnabled: z.boolean().nullable(),
      })
      .nullable(),
  })
  .meta({ id: "TeamsUserRow" });

const filterEnum = z.enum([
  "all",
  "eligible",
  "ineligible",
  "provisioned",
  "not-provisioned",
  "calling-enabled",
  "calling-disabled",
  "pending",
  "failed",
  "removed",
]);

/** The Users page (list, CSV export), Sync Teams Users, and the Teams User search of Add User. */
export function registerDirectoryRoutes(app: RouteApp, { deps, services }: RouteContext) {
  app.get(
    "/api/accounts/:accountId/teams-users",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "listTeamsUsers",
        params,
        querystring: z.object({
          search: text(200).optional(),
          filter: filterEnum.default("all"),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
          /** Opaque: the `nextCursor` of the previous page (keyset paging); when given, `page` is ignored. */
          cursor: z
            .string()
            .max(2000)
            .refine((c) => decodeCursor(c) !== null, "Not a cursor from this list.")
            .optional(),
        }),
        response: {
          200: z.object({
            items: z.array(userRow),
            total: z.number().int(),
            /**
             * False when more than `exactUpTo` users match. `total` is then the planner's estimate for a list
             * without a search, and `exactUpTo + 1` for a search (substring matches cannot be estimated well).
             */
            exact: z.boolean(),
            /** Counts are exact up to this many users (the UI says "more than" this when `exact` is false). */
            exactUpTo: z.number().int(),
            /** The cursor of the next page, null on the last one. */
            nextCursor: z.string().nullable(),
            page: z.number().int(),
            pageSize: z.number().int(),
            sync: syncView.nullable(),
            connected: z.boolean(),
          }),
        },
      },
    },
    async (request) => {
      const enterprise = enterpriseOf(request);
      const [result, sync, options] = await Promise.all([
        listUsers(deps.db, enterprise, request.query),
        syncState(deps.db, enterprise),
        formOptions(deps.db, enterprise),
      ]);
      return {
        ...result,
        page: request.query.page,
        pageSize: request.query.pageSize,
        sync,
        connected: options.connected,
      };
    },
  );

  app.get(
    "/api/accounts/:accountId/teams-users/export.csv",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "exportTeamsUsers",
        params,
        querystring: z.object({
          search: text(200).optional(),
          filter: filterEnum.default("all"),
        }),
      },
    },
    async (request, reply) =>
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="users.csv"`)
        .send(await exportUsersCsv(deps.db, enterpriseOf(request), request.query)),
  );

  app.post(
    "/api/accounts/:accountId/teams-users/sync",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "syncTeamsUsers",
        params,
        response: { 202: syncView.nullable() },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      const options = await formOptions(deps.db, enterprise);
      if (!options.connected) throw Problem.conflict("Connect to Microsoft Teams before syncing users.");
      await enqueueSync(deps, enterprise.id);
      await resumePendingConsent(deps.db, services.jobs);
      return reply.code(202).send(await syncState(deps.db, enterprise));
    },
  );

  app.get(
    "/api/accounts/:accountId/teams-users/eligible",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "searchEligibleTeamsUsers",
        params,
        querystring: z.object({ q: text(200).default("") }),
        response: {
          200: z.array(
            z.object({ objectId: z.string(), userPrincipalName: z.string(), displayName: z.string() }),
          ),
        },
      },
    },
    async (request) => searchEligible(deps.db, enterpriseOf(request), request.query.q),
  );
}
