import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { type FieldError, Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import {
  effectiveDns,
  effectiveTrunkRecord,
  type Rfc2136Input,
  type TrunkRecordInput,
  TSIG_SECRET_AD,
  validateRfc2136,
  validateTrunkRecord,
} from "./dns-settings.js";
import type { DnsAdapterKind, DnsSettings, TrunkRecordTarget } from "./dns-types.js";
import type { AppCertificate, MicrosoftAppSettings } from "./microsoft-app-settings.js";
import { operatorSettingsRepository } from "./repository.js";
import type { OperatorSettingsRow, SbcRegion } from "./schema.js";

/** Teams Phone Standard (MCOEV), the default licence of activation users. */
export const TEAMS_PHONE_STANDARD_SKU = "e43b5b99-8dfb-405f-9987-dc307f34bcbd";
/** What the rest of the portal needs, with every override resolved against the configuration. */
export type { AppCertificate, DnsAdapterKind, DnsSettings, MicrosoftAppSettings };

export interface EffectiveOperatorSettings {
  sbcBaseDomain: string | null;
  portalDisplayName: string;
  publisher: string;
  teamsPhoneSkuId: string;
  /** The DNS adapter in effect and, for RFC 2136, its server and key (secret opened). */
  dnsAdapter: DnsSettings;
  /** What the derived trunk FQDN points at; null until the operator sets it. */
  trunkRecord: TrunkRecordTarget | null;
  microsoft: MicrosoftAppSettings;
}

const SECRET_AD = "operator-settings:app-client-secret";
const PRIVATE_KEY_AD = "operator-settings:app-private-key";

export function certificateThumbprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
}

export async function loadSettingsRow(db: Executor): Promise<OperatorSettingsRow | undefined> {
  const row = await operatorSettingsRepository(db).load();
  return row;
}

export async function effectiveOperatorSettings(deps: {
  db: Executor;
  config: Config;
  secrets: SecretBox;
}): Promise<EffectiveOperatorSettings> {
  const row = await loadSettingsRow(deps.db);
  const { config } = deps;
  const trimSlash = (url: string) => url.replace(/\/+$/, "");
  const loginUrl = trimSlash(row?.loginUrl ?? config.MICROSOFT_LOGIN_URL);
  return {
    sbcBaseDomain: row?.sbcBaseDomain ?? null,
    portalDisplayName: row?.portalDisplayName ?? config.PORTAL_NAME,
    publisher: row?.publisher ?? config.PORTAL_NAME,
    teamsPhoneSkuId: row?.teamsPhoneSkuId ?? TEAMS_PHONE_STANDARD_SKU,
    dnsAdapter: effectiveDns(row, deps.secrets, Boolean(config.m365EmulatorUrl)),
    trunkRecord: effectiveTrunkRecord(row),
    microsoft: {
      clientId: row?.appClientId ?? config.MICROSOFT_CLIENT_ID ?? null,
      clientSecret: row?.appClientSecretSealed
        ? deps.secrets.open(row.appClientSecretSealed, SECRET_AD)
        : (config.MICROSOFT_CLIENT_SECRET ?? null),
      certificate:
        row?.appCertificatePem && row.appPrivateKeySealed
          ? {
              thumbprintSha256: certificateThumbprint(row.appCertificatePem),
              certificatePem: row.appCertificatePem,
              privateKeyPem: deps.secrets.open(row.appPrivateKeySealed, PRIVATE_KEY_AD),
            }
          : null,
      loginUrl,
      graphUrl: trimSlash(row?.graphUrl ?? config.MICROSOFT_GRAPH_URL),
      teamsAdminUrl: trimSlash(row?.teamsAdminUrl ?? config.TEAMS_ADMIN_URL),
      emulated: Boolean(config.m365EmulatorUrl) && loginUrl === trimSlash(config.m365EmulatorUrl ?? ""),
    },
  };
}

export interface OperatorSettingsInput extends Rfc2136Input, TrunkRecordInput {
  sbcBaseDomain: string | null;
  portalDisplayName: string | null;
  publisher: string | null;
  appClientId: string | null;
  /** undefined keeps the stored secret, null clears it. */
  appClientSecret?: string | null;
  /** Certificate credential: both set it, both null clear it, undefined keeps it. */
  appCertificatePem?: string | null;
  appPrivateKeyPem?: string | null;
  loginUrl: string | null;
  graphUrl: string | null;
  teamsAdminUrl: string | null;
  teamsPhoneSkuId: string | null;
  dnsAdapter: DnsAdapterKind | null;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function isDnsName(value: string): boolean {
  return DNS_NAME.test(value);
}

export async function updateOperatorSettings(
  deps: { db: Executor; secrets: SecretBox },
  audit: AuditContext,
  operatorAccountId: string,
  input: OperatorSettingsInput,
): Promise<void> {
  const errors: FieldError[] = [];
  if (input.sbcBaseDomain !== null && !isDnsName(input.sbcBaseDomain)) {
    errors.push({
      field: "sbcBaseDomain",
      message: "Enter a domain name such as customers.sbc.example.net (lowercase).",
    });
  }
  if (input.sbcBaseDomain !== null && input.sbcBaseDomain.length > 46) {
    errors.push({
      field: "sbcBaseDomain",
      message: "Too long: a trunk FQDN (label + this domain) must fit in 48 characters.",
    });
  }
  if (input.appCertificatePem !== undefined || input.appPrivateKeyPem !== undefined) {
    errors.push(...checkCertificate(input.appCertificatePem ?? null, input.appPrivateKeyPem ?? null));
  }
  const stored = await loadSettingsRow(deps.db);
  if (input.dnsAdapter === "rfc2136") {
    errors.push(...validateRfc2136(input, Boolean(stored?.dnsTsigSecretSealed), input.sbcBaseDomain));
  }
  errors.push(...validateTrunkRecord(input));
  if (errors.length > 0) throw Problem.invalid(errors);
  const values = {
    sbcBaseDomain: input.sbcBaseDomain,
    portalDisplayName: input.portalDisplayName,
    publisher: input.publisher,
    appClientId: input.appClientId,
    loginUrl: input.loginUrl,
    graphUrl: input.graphUrl,
    teamsAdminUrl: input.teamsAdminUrl,
    teamsPhoneSkuId: input.teamsPhoneSkuId,
    dnsAdapter: input.dnsAdapter,
    dnsServer: input.dnsServer,
    dnsPort: input.dnsPort,
    dnsZone: input.dnsZone,
    dnsTsigKeyName: input.dnsTsigKeyName,
    dnsTsigAlgorithm: input.dnsTsigAlgorithm,
    trunkRecordType: input.trunkRecordType,
    trunkRecordAddresses: input.trunkRecordType === "address" ? input.trunkRecordAddresses : null,
    trunkRecordCname: input.trunkRecordType === "CNAME" ? input.trunkRecordCname : null,
    ...(input.dnsTsigSecret !== undefined
      ? {
          dnsTsigSecretSealed:
            input.dnsTsigSecret === null ? null : deps.secrets.seal(input.dnsTsigSecret, TSIG_SECRET_AD),
        }
      : {}),
    updatedAt: new Date(),
    ...(input.appClientSecret !== undefined
      ? {
          appClientSecretSealed:
            input.appClientSecret === null ? null : deps.secrets.seal(input.appClientSecret, SECRET_AD),
        }
      : {}),
    ...(input.appCertificatePem !== undefined || input.appPrivateKeyPem !== undefined
      ? {
          appCertificatePem: input.appCertificatePem ?? null,
          appPrivateKeySealed: input.appPrivateKeyPem
            ? deps.secrets.seal(input.appPrivateKeyPem, PRIVATE_KEY_AD)
            : null,
        }
      : {}),
  };
  await (deps.db as import("../../db/client.js").Database).transaction(async (tx) => {
    const before = await loadSettingsRow(tx);
    await operatorSettingsRepository(tx).save(values);
    await recordAudit(tx, audit, {
      action: "operator-settings.update",
      accountId: operatorAccountId,
      targetType: "operator-settings",
      targetId: "default",
      before: before && {
        ...before,
        appPrivateKeySealed: before.appPrivateKeySealed ? "(set)" : null,
        dnsTsigSecretSealed: before.dnsTsigSecretSealed ? "(set)" : null,
      },
      after: {
        ...values,
        ...("appPrivateKeySealed" in values
          ? { appPrivateKeySealed: values.appPrivateKeySealed ? "(set)" : null }
          : {}),
        ...("dnsTsigSecretSealed" in values
          ? { dnsTsigSecretSealed: values.dnsTsigSecretSealed ? "(set)" : null }
          : {}),
      },
    });
  });
}

/** Both or neither; the certificate must parse and the key must be its private key. */
function checkCertificate(certificatePem: string | null, privateKeyPem: string | null): FieldError[] {
  if (!certificatePem && !privateKeyPem) return [];
  if (!certificatePem)
    return [
      { field: "appCertificatePem", message: "Paste the certificate (PEM) that belongs to the private key." },
    ];
  if (!privateKeyPem)
    return [{ field: "appPrivateKeyPem", message: "Paste the certificate's private key (PEM)." }];
  try {
    const certificate = new X509Certificate(certificatePem);
    if (!certificate.checkPrivateKey(createPrivateKey(privateKeyPem))) {
      return [{ field: "appPrivateKeyPem", message: "This private key does not belong to the certificate." }];
    }
  } catch {
    return [{ field: "appCertificatePem", message: "Not a PEM certificate and private key pair." }];
  }
  return [];
}

export async function listRegions(db: Executor): Promise<SbcRegion[]> {
  return operatorSettingsRepository(db).regions.list();
}

/** Cursors of the region list: (name, id). */
export const regionCursor = keysetCursor("text", "uuid");

/** A page of the SBC regions, by name. */
export async function pageRegions(db: Executor, page: { cursor?: string; limit: number }) {
  const after = page.cursor ? (regionCursor.decode(page.cursor) ?? undefined) : undefined;
  const rows = await operatorSettingsRepository(db).regions.page({ after, limit: page.limit + 1 });
  return toPage(rows, page.limit, (last) => regionCursor.encode([last.name, last.id]));
}

/** The regions among `ids` that exist, by name. */
export async function findRegions(db: Executor, ids: string[]): Promise<SbcRegion[]> {
  return operatorSettingsRepository(db).regions.find(ids);
}

export interface RegionInput {
  name: string;
  sbcFqdns: string[];
  sipPort: number;
}

function validateRegion(input: RegionInput): FieldError[] {
  const errors: FieldError[] = [];
  if (!input.name.trim())
    errors.push({ field: "name", message: "Enter the region's name, e.g. CA Central." });
  if (input.sbcFqdns.length === 0)
    errors.push({ field: "sbcFqdns", message: "Enter at least one SBC FQDN." });
  input.sbcFqdns.forEach((fqdn, i) => {
    if (!isDnsName(fqdn)) errors.push({ field: `sbcFqdns.${i}`, message: `"${fqdn}" is not a valid FQDN.` });
  });
  if (!Number.isInteger(input.sipPort) || input.sipPort < 1 || input.sipPort > 65535) {
    errors.push({ field: "sipPort", message: "The SIP port must be between 1 and 65535." });
  }
  return errors;
}

export async function createRegion(
  db: import("../../db/client.js").Database,
  audit: AuditContext,
  operatorAccountId: string,
  input: RegionInput,
) {
  const errors = validateRegion(input);
  if (errors.length > 0) throw Problem.invalid(errors);
  return db.transaction(async (tx) => {
    const regions = operatorSettingsRepository(tx).regions;
    if (await regions.byName(input.name.trim()))
      throw Problem.invalid([{ field: "name", message: "A region with this name exists already." }]);
    const row = await regions.insert({ ...input, name: input.name.trim() });
    await recordAudit(tx, audit, {
      action: "sbc-region.create",
      accountId: operatorAccountId,
      targetType: "sbc-region",
      targetId: row.id,
      after: row,
    });
    return row;
  });
}

export async function updateRegion(
  db: import("../../db/client.js").Database,
  audit: AuditContext,
  operatorAccountId: string,
  id: string,
  input: RegionInput,
) {
  const errors = validateRegion(input);
  if (errors.length > 0) throw Problem.invalid(errors);
  return db.transaction(async (tx) => {
    const regions = operatorSettingsRepository(tx).regions;
    const [before] = await regions.find([id]);
    if (!before) throw Problem.notFound("No such region.");
    const row = await regions.update(id, { ...input, name: input.name.trim() });
    await recordAudit(tx, audit, {
      action: "sbc-region.update",
      accountId: operatorAccountId,
      targetType: "sbc-region",
      targetId: id,
      before,
      after: row,
    });
    return row!;
  });
}
