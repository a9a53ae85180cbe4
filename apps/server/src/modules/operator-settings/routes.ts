import { X509Certificate } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { DEFAULT_DNS_PORT, TSIG_SECRET_AD, validateRfc2136 } from "./dns-settings.js";
import { DNS_ADAPTER_KINDS, type Rfc2136Check, TSIG_ALGORITHMS } from "./dns-types.js";
import { assertOperatorAdmin } from "./policies.js";
import {
  certificateThumbprint,
  effectiveOperatorSettings,
  loadSettingsRow,
  updateOperatorSettings,
} from "./service.js";

const accountParams = z.object({ accountId: uuid() });
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

const nullableName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .nullable()
  .optional()
  .transform((v) => (v ? v.replace(/\.$/, "") : null));

/** The RFC 2136 server and TSIG key, as saved and as tried by the Test button. */
const rfc2136Input = {
  dnsServer: nullableName,
  dnsPort: z.number().int().nullable().optional().default(null),
  dnsZone: nullableName,
  dnsTsigKeyName: nullableName,
  dnsTsigAlgorithm: z.enum(TSIG_ALGORITHMS).nullable().optional().default(null),
  /** Omitted or empty keeps the stored secret; null clears it. */
  dnsTsigSecret: z
    .string()
    .trim()
    .max(1000)
    .nullable()
    .optional()
    .transform((v) => (v === "" ? undefined : v)),
};

const dnsTestResult = z
  .object({ ok: z.boolean(), code: z.string().nullable(), message: z.string() })
  .meta({ id: "DnsTestResult" });

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
    dnsAdapter: z.enum(DNS_ADAPTER_KINDS).nullable(),
    dnsServer: z.string().nullable(),
    dnsPort: z.number().int().nullable(),
    dnsZone: z.string().nullable(),
    dnsTsigKeyName: z.string().nullable(),
    dnsTsigAlgorithm: z.enum(TSIG_ALGORITHMS).nullable(),
    dnsTsigSecretSet: z.boolean(),
    trunkRecordType: z.enum(["address", "CNAME"]).nullable(),
    trunkRecordAddresses: z.array(z.string()),
    trunkRecordCname: z.string().nullable(),
    effective: z.object({
      portalDisplayName: z.string(),
      publisher: z.string(),
      teamsPhoneSkuId: z.string(),
      dnsAdapter: z.enum(DNS_ADAPTER_KINDS),
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
  appClientSecret: text(1000).min(1).nullable().optional(),
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
  dnsAdapter: z.enum(DNS_ADAPTER_KINDS).nullable(),
  ...rfc2136Input,
  trunkRecordType: z.enum(["address", "CNAME"]).nullable().optional().default(null),
  trunkRecordAddresses: z.array(z.string().trim()).max(20).optional().default([]),
  trunkRecordCname: nullableName,
});

function describeCertificate(pem: string) {
  const certificate = new X509Certificate(pem);
  return {
    thumbprintSha256: certificateThumbprint(pem),
    subject: certificate.subject,
    validTo: new Date(certificate.validTo).toISOString(),
  };
}

/** What the operator settings routes need; the composition root passes its full object. */
export interface OperatorSettingsDeps {
  db: Executor;
  config: Config;
  secrets: SecretBox;
  /** Told when the Microsoft app settings changed, so cached tokens and clients are dropped (the port). */
  microsoft: { reset(): void };
  /** The DNS adapter's RFC 2136 check (the Test button). */
  checkRfc2136: Rfc2136Check;
}

export function operatorSettingsRoutes(deps: OperatorSettingsDeps): FastifyPluginAsyncZod {
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
        dnsAdapter: (row?.dnsAdapter as (typeof DNS_ADAPTER_KINDS)[number] | null) ?? null,
        dnsServer: row?.dnsServer ?? null,
        dnsPort: row?.dnsPort ?? null,
        dnsZone: row?.dnsZone ?? null,
        dnsTsigKeyName: row?.dnsTsigKeyName ?? null,
        dnsTsigAlgorithm: (row?.dnsTsigAlgorithm as (typeof TSIG_ALGORITHMS)[number] | null) ?? null,
        dnsTsigSecretSet: Boolean(row?.dnsTsigSecretSealed),
        trunkRecordType: (row?.trunkRecordType as "address" | "CNAME" | null) ?? null,
        trunkRecordAddresses: row?.trunkRecordAddresses ?? [],
        trunkRecordCname: row?.trunkRecordCname ?? null,
        effective: {
          portalDisplayName: effective.portalDisplayName,
          publisher: effective.publisher,
          teamsPhoneSkuId: effective.teamsPhoneSkuId,
          dnsAdapter: effective.dnsAdapter.kind,
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
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
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
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        await updateOperatorSettings(
          deps,
          requestAuditContext(request),
          targetAccountOf(request).id,
          request.body,
        );
        deps.microsoft.reset();
        return view();
      },
    );

    app.post(
      "/api/accounts/:accountId/operator-settings/dns-test",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "testOperatorDns",
          description:
            "Tries the RFC 2136 server and TSIG key (the stored secret when none is given): adds and deletes a `_sip2teams-check` TXT record in the zone.",
          params: accountParams,
          body: z.object(rfc2136Input),
          response: { 200: dnsTestResult },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        const input = request.body;
        const row = await loadSettingsRow(deps.db);
        const errors = validateRfc2136(input, Boolean(row?.dnsTsigSecretSealed), row?.sbcBaseDomain ?? null);
        if (errors.length > 0) throw Problem.invalid(errors);
        const result = await deps.checkRfc2136({
          server: input.dnsServer!,
          port: input.dnsPort ?? DEFAULT_DNS_PORT,
          zone: input.dnsZone!,
          keyName: input.dnsTsigKeyName!,
          algorithm: input.dnsTsigAlgorithm ?? "hmac-sha256",
          secret:
            input.dnsTsigSecret ??
            (row?.dnsTsigSecretSealed ? deps.secrets.open(row.dnsTsigSecretSealed, TSIG_SECRET_AD) : ""),
        });
        return result.ok
          ? {
              ok: true,
              code: null,
              message: `Added and deleted the TXT record ${result.record} through ${input.dnsServer}:${input.dnsPort ?? DEFAULT_DNS_PORT}.`,
            }
          : { ok: false, code: result.code, message: result.message };
      },
    );
  };
}
