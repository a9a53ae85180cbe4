import { X509Certificate } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import type { AuditContext } from "../audit/repository.js";
import { microsoftRuntime } from "../microsoft/runtime.js";
import { assertOperatorAdmin } from "./policies.js";
import {
  certificateThumbprint,
  createRegion,
  effectiveOperatorSettings,
  listRegions,
  loadSettingsRow,
  updateOperatorSettings,
  updateRegion,
} from "./service.js";

const accountParams = z.object({ accountId: z.string() });
const nullableText = z
  .string()
  .trim()
  .max(200)
  .nullable()
  .transform((v) => (v === "" ? null : v));
const nullableUrl = z
  .string()
  .trim()
  .nullable()
  .transform((v) => (v === "" ? null : v))
  .refine((v) => v === null || /^https:\/\/[^\s]+$/.test(v), "Must be an https:// URL.");

export const regionView = z
  .object({ id: z.uuid(), name: z.string(), sbcFqdns: z.array(z.string()), sipPort: z.number().int() })
  .meta({ id: "SbcRegion" });

const regionInput = z.object({
  name: z.string().trim().min(1, "Enter the region's name.").max(60),
  sbcFqdns: z.array(z.string().trim().toLowerCase()).max(10),
  sipPort: z.number().int(),
});

const settingsView = z
  .object({
    sbcBaseDomain: z.string().nullable(),
    portalDisplayName: z.string().nullable(),
    publisher: z.string().nullable(),
    appClientId: z.string().nullable(),
    appClientSecretSet: z.boolean(),
    appCertificate: z
      .object({ thumbprintSha256: z.string(), subject: z.string(), validTo: z.string() })
      .nullable(),
    loginUrl: z.string().nullable(),
    graphUrl: z.string().nullable(),
    teamsAdminUrl: z.string().nullable(),
    teamsPhoneSkuId: z.string().nullable(),
    dnsAdapter: z.enum(["manual", "emulator"]).nullable(),
    effective: z.object({
      portalDisplayName: z.string(),
      publisher: z.string(),
      teamsPhoneSkuId: z.string(),
      dnsAdapter: z.enum(["manual", "emulator"]),
      appClientId: z.string().nullable(),
      loginUrl: z.string(),
      graphUrl: z.string(),
      teamsAdminUrl: z.string(),
      emulated: z.boolean(),
    }),
  })
  .meta({ id: "OperatorSettings" });

const settingsInput = z.object({
  sbcBaseDomain: z
    .string()
    .trim()
    .toLowerCase()
    .nullable()
    .transform((v) => (v === "" ? null : v)),
  portalDisplayName: nullableText,
  publisher: nullableText,
  appClientId: z
    .string()
    .trim()
    .nullable()
    .transform((v) => (v === "" ? null : v))
    .refine((v) => v === null || z.uuid().safeParse(v).success, "The client id is a GUID."),
  appClientSecret: z.string().min(1).nullable().optional(),
  appCertificatePem: z.string().max(20000).nullable().optional(),
  appPrivateKeyPem: z.string().max(20000).nullable().optional(),
  loginUrl: nullableUrl,
  graphUrl: nullableUrl,
  teamsAdminUrl: nullableUrl,
  teamsPhoneSkuId: z
    .string()
    .trim()
    .nullable()
    .transform((v) => (v === "" ? null : v))
    .refine((v) => v === null || z.uuid().safeParse(v).success, "The SKU id is a GUID."),
  dnsAdapter: z.enum(["manual", "emulator"]).nullable(),
});

function describeCertificate(pem: string) {
  const certificate = new X509Certificate(pem);
  return {
    thumbprintSha256: certificateThumbprint(pem),
    subject: certificate.subject,
    validTo: new Date(certificate.validTo).toISOString(),
  };
}

function auditContext(request: { actor: AuditContext["actor"]; ip: string; id: string }): AuditContext {
  return { actor: request.actor, ip: request.ip, requestId: request.id };
}

export function operatorSettingsRoutes(
  deps: Pick<AppDeps, "db" | "config" | "secrets">,
): FastifyPluginAsyncZod {
  return async (app) => {
    const view = async () => {
      const row = await loadSettingsRow(deps.db);
      const effective = await effectiveOperatorSettings(deps);
      return {
        sbcBaseDomain: row?.sbcBaseDomain ?? null,
        portalDisplayName: row?.portalDisplayName ?? null,
        publisher: row?.publisher ?? null,
        appClientId: row?.appClientId ?? null,
        appClientSecretSet: Boolean(row?.appClientSecretSealed),
        appCertificate: row?.appCertificatePem ? describeCertificate(row.appCertificatePem) : null,
        loginUrl: row?.loginUrl ?? null,
        graphUrl: row?.graphUrl ?? null,
        teamsAdminUrl: row?.teamsAdminUrl ?? null,
        teamsPhoneSkuId: row?.teamsPhoneSkuId ?? null,
        dnsAdapter: (row?.dnsAdapter as "manual" | "emulator" | null) ?? null,
        effective: {
          portalDisplayName: effective.portalDisplayName,
          publisher: effective.publisher,
          teamsPhoneSkuId: effective.teamsPhoneSkuId,
          dnsAdapter: effective.dnsAdapter,
          appClientId: effective.microsoft.clientId,
          loginUrl: effective.microsoft.loginUrl,
          graphUrl: effective.microsoft.graphUrl,
          teamsAdminUrl: effective.microsoft.teamsAdminUrl,
          emulated: effective.microsoft.emulated,
        },
      };
    };

    app.get(
      "/api/accounts/:accountId/operator-settings",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "getOperatorSettings",
          params: accountParams,
          response: { 200: settingsView },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, request.targetAccount!);
        return view();
      },
    );

    app.put(
      "/api/accounts/:accountId/operator-settings",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "updateOperatorSettings",
          params: accountParams,
          body: settingsInput,
          response: { 200: settingsView },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, request.targetAccount!);
        await updateOperatorSettings(deps, auditContext(request), request.targetAccount!.id, request.body);
        microsoftRuntime(deps).reset();
        return view();
      },
    );

    app.get(
      "/api/accounts/:accountId/sbc-regions",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["operator"],
          operationId: "listSbcRegions",
          params: accountParams,
          response: { 200: z.object({ items: z.array(regionView) }) },
        },
      },
      async () => {
        const rows = await listRegions(deps.db);
        return { items: rows.map(({ id, name, sbcFqdns, sipPort }) => ({ id, name, sbcFqdns, sipPort })) };
      },
    );

    app.post(
      "/api/accounts/:accountId/sbc-regions",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "createSbcRegion",
          params: accountParams,
          body: regionInput,
          response: { 201: regionView },
        },
      },
      async (request, reply) => {
        assertOperatorAdmin(request.actor!, request.targetAccount!);
        const row = await createRegion(
          deps.db,
          auditContext(request),
          request.targetAccount!.id,
          request.body,
        );
        return reply
          .code(201)
          .send({ id: row.id, name: row.name, sbcFqdns: row.sbcFqdns, sipPort: row.sipPort });
      },
    );

    app.put(
      "/api/accounts/:accountId/sbc-regions/:regionId",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "updateSbcRegion",
          params: z.object({ accountId: z.string(), regionId: z.uuid() }),
          body: regionInput,
          response: { 200: regionView },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, request.targetAccount!);
        const row = await updateRegion(
          deps.db,
          auditContext(request),
          request.targetAccount!.id,
          request.params.regionId,
          request.body,
        );
        return { id: row.id, name: row.name, sbcFqdns: row.sbcFqdns, sipPort: row.sipPort };
      },
    );
  };
}
