import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { Problem } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import type { AuditContext } from "../audit/repository.js";
import { waitingForMicrosoftView } from "../microsoft/waiting-view.js";
import { availableForEnterprise } from "../numbers/service.js";
import { suggestPhoneNumber } from "../pbx-directory/service.js";
import type { Account } from "../tenancy/schema.js";
import { enqueueSync, provisioningQueue } from "./jobs.js";
import {
  addUser,
  deleteUser,
  formOptions,
  generateDevicePassword,
  getUser,
  listUsers,
  resumePendingConsent,
  retryProvisioning,
  revealDevicePassword,
  searchEligible,
  setCalling,
  syncState,
  updateUser,
} from "./service.js";

export function auditContext(request: FastifyRequest): AuditContext {
  return { actor: request.actor, ip: request.ip, requestId: request.id };
}

export function enterpriseOf(request: FastifyRequest): Account {
  const account = request.targetAccount!;
  if (account.kind !== "enterprise") throw Problem.notFound("Users belong to an enterprise account.");
  return account;
}

const params = z.object({ accountId: uuid() });
const userParams = params.extend({ userId: uuid() });
const deviceParams = userParams.extend({ deviceId: uuid() });

const stepView = z.object({
  key: z.string(),
  status: z.enum(["pending", "running", "done", "skipped", "failed"]),
  at: z.string().optional(),
  error: z.string().optional(),
  /** "Waiting for Microsoft: <what>" (e.g. Teams provisioning of the user): since, usual/max delay, next check. */
  waitingForMicrosoft: waitingForMicrosoftView.nullable(),
});

/** The user as the API shows it: each step's wait (kept in the step's data) as `waitingForMicrosoft`. */
function withWaits<T extends { steps: { data?: Record<string, unknown> }[] }>(
  user: T,
): Omit<T, "steps"> & {
  steps: (T["steps"][number] & { waitingForMicrosoft: z.infer<typeof stepView>["waitingForMicrosoft"] })[];
} {
  return {
    ...user,
    steps: user.steps.map((step) => ({
      ...step,
      waitingForMicrosoft:
        (step.data?.waiting as z.infer<typeof stepView>["waitingForMicrosoft"] | undefined) ?? null,
    })),
  };
}

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

const provisioningStatus = z.enum(["pending-consent", "queued", "running", "done", "failed"]);

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

const deviceInput = z.object({
  id: uuid().optional(),
  authId: text(64).trim(),
  password: text(64).optional(),
});

const userInput = z.object({
  /** A synced Teams user's object id… */
  teamsUserObjectId: text(64).default(""),
  /** …or, before consent, the user's UPN (checked in Microsoft once consent exists). */
  teamsUserPrincipalName: text(256).optional(),
  pbxLocation: text(200),
  regionId: text(64),
  sipUser: text(64).trim(),
  phoneNumber: text(32).trim(),
  disableVoicemail: z.boolean().default(true),
  assignDialPlan: z.boolean().default(true),
  devices: z.array(deviceInput).max(20).default([]),
});

const userDetail = z
  .object({
    id: z.string(),
    teamsUserObjectId: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string(),
    pbxLocation: z.string(),
    regionId: z.string(),
    sipUser: z.string(),
    phoneNumber: z.string(),
    disableVoicemail: z.boolean(),
    assignDialPlan: z.boolean(),
    callingEnabled: z.boolean(),
    deleting: z.boolean(),
    cleanupRequired: z.boolean(),
    status: provisioningStatus,
    steps: z.array(stepView),
    lastError: z.string().nullable(),
    observed: z
      .object({
        enterpriseVoiceEnabled: z.boolean(),
        numbers: z.array(z.string()),
        policies: z.record(z.string(), z.string()),
        at: z.string(),
      })
      .nullable(),
    devices: z.array(z.object({ id: z.string(), authId: z.string() })),
  })
  .meta({ id: "ProvisionedUser" });

const csvCell = (value: unknown) => {
  const s = value === null || value === undefined ? "" : String(value);
  const safe = /^[=+\-@\t\r]/.test(s) && !/^\+\d+$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function teamsUsersRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const jobs = provisioningQueue(deps.jobs);
  const serviceDeps = { db: deps.db, secrets: deps.secrets, jobs };
  return async (app) => {
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
          }),
          response: {
            200: z.object({
              items: z.array(userRow),
              total: z.number().int(),
              /** True when a search matched more than `total` users (the count stops there). */
              totalIsEstimate: z.boolean(),
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
          listUsers(deps.db, enterprise.id, request.query),
          syncState(deps.db, enterprise.id),
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
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        const header = [
          "Teams User",
          "Display Name",
          "Eligible",
          "Reason",
          "PBX Location",
          "SIP User",
          "Phone Number",
          "Voice Route",
          "Calling",
          "Status",
          "Last Error",
        ];
        const lines = [header.join(",")];
        for (let page = 1; ; page++) {
          const { items } = await listUsers(deps.db, enterprise.id, {
            ...request.query,
            page,
            pageSize: 1000,
          });
          for (const r of items) {
            const p = r.provisioned;
            lines.push(
              [
                r.userPrincipalName,
                r.displayName,
                r.eligible ? "yes" : "no",
                r.ineligibleReason,
                p?.pbxLocation,
                p?.sipUser,
                p?.phoneNumber,
                p?.regionName,
                p ? (p.callingEnabled && p.status === "done" ? "enabled" : "disabled") : "",
                p?.status,
                p?.lastError,
              ]
                .map(csvCell)
                .join(","),
            );
          }
          if (items.length < 1000) break;
        }
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="users.csv"`)
          .send(`${lines.join("\r\n")}\r\n`);
      },
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
        await resumePendingConsent(deps.db, jobs);
        return reply.code(202).send(await syncState(deps.db, enterprise.id));
      },
    );

    app.get(
      "/api/accounts/:accountId/teams-users/form-options",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams-users"],
          operationId: "getAddUserOptions",
          params,
          response: {
            200: z.object({
              pbxLocations: z.array(z.string()),
              pbxLocationOptions: z.array(z.object({ value: z.string(), label: z.string() })),
              voiceRoutes: z.array(z.object({ id: z.string(), name: z.string() })),
              defaultVoiceRouteId: z.string().nullable(),
              dialPlanName: z.string().nullable(),
              connected: z.boolean(),
            }),
          },
        },
      },
      async (request) => formOptions(deps.db, enterpriseOf(request)),
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
      async (request) => searchEligible(deps.db, enterpriseOf(request).id, request.query.q),
    );

    app.get(
      "/api/accounts/:accountId/teams-users/available-numbers",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams-users"],
          operationId: "availableNumbers",
          params,
          querystring: z.object({ prefix: text(20).default("") }),
          response: { 200: z.array(z.string()) },
        },
      },
      async (request) => availableForEnterprise(deps.db, enterpriseOf(request).id, request.query.prefix),
    );

    // Add User's Phone Number pre-fill (guide 002 4.5): the PBX user's default caller ID, else the next free number.
    app.get(
      "/api/accounts/:accountId/teams-users/phone-number-suggestion",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams-users"],
          operationId: "suggestPhoneNumber",
          params,
          querystring: z.object({ sipUser: text(32).default("") }),
          response: {
            200: z.object({
              phoneNumber: z.string().nullable(),
              source: z.enum(["pbx-directory", "next-free"]).nullable(),
              pbxUserName: z.string().nullable(),
            }),
          },
        },
      },
      async (request) => suggestPhoneNumber(deps.db, enterpriseOf(request).id, request.query.sipUser.trim()),
    );

    app.get(
      "/api/accounts/:accountId/teams-users/generate-password",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "generateDevicePassword",
          params,
          response: { 200: z.object({ password: z.string() }) },
        },
      },
      async () => ({ password: generateDevicePassword() }),
    );

    app.post(
      "/api/accounts/:accountId/teams-users",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "addTeamsUser",
          params,
          body: userInput,
          response: { 201: userDetail },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        const created = await addUser(serviceDeps, auditContext(request), enterprise, request.body);
        return reply.code(201).send(withWaits(await getUser(deps.db, enterprise.id, created.id)));
      },
    );

    app.get(
      "/api/accounts/:accountId/teams-users/:userId",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams-users"],
          operationId: "getTeamsUser",
          params: userParams,
          response: { 200: userDetail },
        },
      },
      async (request) => withWaits(await getUser(deps.db, enterpriseOf(request).id, request.params.userId)),
    );

    app.put(
      "/api/accounts/:accountId/teams-users/:userId",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "updateTeamsUser",
          params: userParams,
          body: userInput
            .omit({ teamsUserObjectId: true, teamsUserPrincipalName: true, phoneNumber: true })
            .extend({ phoneNumber: text(32).optional() }),
          response: { 200: userDetail },
        },
      },
      async (request) => {
        const enterprise = enterpriseOf(request);
        await updateUser(serviceDeps, auditContext(request), enterprise, request.params.userId, request.body);
        return withWaits(await getUser(deps.db, enterprise.id, request.params.userId));
      },
    );

    app.delete(
      "/api/accounts/:accountId/teams-users/:userId",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "deleteTeamsUser",
          params: userParams,
          response: { 202: z.object({ deleted: z.boolean() }) },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await deleteUser(
              serviceDeps,
              auditContext(request),
              enterpriseOf(request),
              request.params.userId,
            ),
          ),
    );

    for (const [path, operationId, enabled] of [
      ["enable-calling", "enableCalling", true],
      ["disable-calling", "disableCalling", false],
    ] as const) {
      app.post(
        `/api/accounts/:accountId/teams-users/:userId/${path}`,
        {
          config: { access: { kind: "account", permission: "write" } },
          schema: { tags: ["teams-users"], operationId, params: userParams, response: { 202: userDetail } },
        },
        async (request, reply) => {
          const enterprise = enterpriseOf(request);
          await setCalling(serviceDeps, auditContext(request), enterprise, request.params.userId, enabled);
          return reply
            .code(202)
            .send(withWaits(await getUser(deps.db, enterprise.id, request.params.userId)));
        },
      );
    }

    app.post(
      "/api/accounts/:accountId/teams-users/:userId/retry",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "retryProvisioning",
          params: userParams,
          response: { 202: userDetail },
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        await retryProvisioning(serviceDeps, enterprise, request.params.userId);
        return reply.code(202).send(withWaits(await getUser(deps.db, enterprise.id, request.params.userId)));
      },
    );

    app.post(
      "/api/accounts/:accountId/teams-users/:userId/devices/:deviceId/reveal",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams-users"],
          operationId: "revealDevicePassword",
          params: deviceParams,
          response: { 200: z.object({ password: z.string() }) },
        },
      },
      async (request) =>
        revealDevicePassword(
          serviceDeps,
          auditContext(request),
          enterpriseOf(request),
          request.params.userId,
          request.params.deviceId,
        ),
    );
  };
}
