import { isIP } from "node:net";
import type { Database, Executor } from "../../db/client.js";
import { checkPreconditions, entityTag, type Preconditions } from "../../http/etag.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { type FieldError, Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { isDnsName } from "../operator-settings/index.js";
import { type Account, type TenantScope, tenantScope } from "../tenancy/index.js";
import { trunksRepository } from "./repository.js";
import type { TrunkProfile } from "./schema.js";

/**
 * Whether the enterprise's Direct Routing setup has started: direct-routing-setup (above this module)
 * implements it, the composition root passes it in.
 */
export type SetupStarted = (enterpriseAccountId: string, tx: Executor) => Promise<boolean>;

/** Entra ID accepts domain names up to 48 characters for the derived trunk FQDN. */
export const MAX_TRUNK_FQDN = 48;
export const CODECS = ["PCMU", "PCMA", "G722", "G729", "OPUS", "SILK"] as const;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface TrunkProfileInput {
  label: string;
  pbxHost: string;
  pbxPort: number;
  transport: "UDP" | "TCP" | "TLS";
  sipDomain: string;
  /** The realm of the PBX's digest challenges; null: the SIP domain. */
  pbxRealm: string | null;
  outboundProxy: string | null;
  mode: "registration" | "static-ip";
  allowedIps: string[];
  maxConcurrentCalls: number;
  codecs: string[];
  /** Who performs a Teams user's transfer (`TRANSFER_MODES`). */
  transferMode: "teams" | "route";
}

export function deriveTrunkFqdn(label: string, baseDomain: string): string {
  return `${label}.${baseDomain}`;
}

/**
 * A digest realm as PBXs send it (`pbx.example.com`, `asterisk`, `3CXPhoneSystem`): printable ASCII without
 * spaces, quotes or backslashes (it is a quoted string in WWW-Authenticate), at most 64 characters
 * (Kamailio's `uacreg.realm`). Case matters: it is part of the HA1 hash.
 */
const SIP_REALM = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/** The realm the PBX challenges with: the profile's SIP realm, or its SIP domain when none is set. */
export const effectiveSipRealm = (profile: { pbxRealm: string | null; sipDomain: string }) =>
  profile.pbxRealm ?? profile.sipDomain;

const isHost = (value: string) => isDnsName(value) || isIP(value) !== 0 || /^[a-z0-9-]{1,63}$/.test(value);

/** Every rule of a trunk profile, as per-field errors (nothing is written when any fails). */
export async function validateTrunkProfile(
  db: Executor,
  input: TrunkProfileInput,
  baseDomain: string | null,
  enterpriseAccountId: string,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (!baseDomain) {
    errors.push({
      field: "label",
      message: "The operator has not set the SBC base domain yet (Operator settings).",
    });
  } else if (!DNS_LABEL.test(input.label)) {
    errors.push({
      field: "label",
      message:
        "Use a DNS label: lowercase letters, digits and hyphens, 1–63 characters, not starting or ending with a hyphen.",
    });
  } else {
    const fqdn = deriveTrunkFqdn(input.label, baseDomain);
    if (fqdn.length > MAX_TRUNK_FQDN) {
      errors.push({
        field: "label",
        message: `The trunk FQDN ${fqdn} has ${fqdn.length} characters; Microsoft allows at most ${MAX_TRUNK_FQDN}. Use a shorter label.`,
      });
    } else {
      if (await trunksRepository(db).platform.fqdnTaken(fqdn, enterpriseAccountId))
        errors.push({
          field: "label",
          message: `The trunk FQDN ${fqdn} is used by another enterprise already.`,
        });
    }
  }
  if (!isHost(input.pbxHost))
    errors.push({ field: "pbxHost", message: "Enter the PBX or registrar host name or IP address." });
  if (!Number.isInteger(input.pbxPort) || input.pbxPort < 1 || input.pbxPort > 65535) {
    errors.push({ field: "pbxPort", message: "The port must be between 1 and 65535." });
  }
  if (!isDnsName(input.sipDomain) && isIP(input.sipDomain) === 0)
    errors.push({ field: "sipDomain", message: "Enter the SIP domain, e.g. pbx.example.com." });
  if (input.pbxRealm !== null && !SIP_REALM.test(input.pbxRealm))
    errors.push({
      field: "pbxRealm",
      message:
        "Enter the realm of the PBX's authentication challenges (e.g. pbx.example.com or asterisk): up to 64 characters, no spaces, quotes or backslashes.",
    });
  if (input.outboundProxy !== null) {
    const [host, port] = input.outboundProxy.split(":");
    if (!host || !isHost(host) || (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))) {
      errors.push({ field: "outboundProxy", message: "Enter host or host:port (port 1–65535)." });
    }
  }
  if (input.mode === "static-ip" && input.allowedIps.length === 0) {
    errors.push({ field: "allowedIps", message: "A static-IP trunk needs at least one allowed IP address." });
  }
  input.allowedIps.forEach((ip, i) => {
    const [address, prefix] = ip.split("/");
    const family = isIP(address ?? "");
    const prefixOk =
      prefix === undefined ||
      (Number.isInteger(Number(prefix)) &&
        Number(prefix) >= 0 &&
        Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk)
      errors.push({ field: `allowedIps.${i}`, message: `"${ip}" is not an IP address or CIDR range.` });
  });
  if (
    !Number.isInteger(input.maxConcurrentCalls) ||
    input.maxConcurrentCalls < 1 ||
    input.maxConcurrentCalls > 10000
  ) {
    errors.push({ field: "maxConcurrentCalls", message: "Between 1 and 10000 concurrent calls." });
  }
  if (input.codecs.length === 0) errors.push({ field: "codecs", message: "Choose at least one codec." });
  input.codecs.forEach((codec, i) => {
    if (!(CODECS as readonly string[]).includes(codec))
      errors.push({ field: `codecs.${i}`, message: `Unknown codec ${codec}.` });
  });
  return errors;
}

/** The enterprise's trunk profile, by id: for jobs and checks that run past the access gate. */
export async function findTrunkProfile(
  db: Executor,
  enterpriseAccountId: string,
): Promise<TrunkProfile | undefined> {
  return trunksRepository(db).platform.findByEnterprise(enterpriseAccountId);
}

/** Marks the enterprise's trunk active once its Direct Routing setup completed (the setup job calls it). */
export async function activateTrunkProfile(db: Executor, enterpriseAccountId: string): Promise<void> {
  await trunksRepository(db).platform.activate(enterpriseAccountId);
}

/** The trunk profile of the enterprise `enterprise` (the gate's target). */
export async function trunkProfileOf(db: Executor, enterprise: Account): Promise<TrunkProfile | undefined> {
  return trunksRepository(db).find(tenantScope(enterprise), enterprise.id);
}

/** The version of what a save of the trunk profile replaces (every field of the form), as its ETag. */
export function trunkEtag(t: TrunkProfile): string {
  const { status: _status, ...editable } = trunkView(t);
  return entityTag("trunk-profile", t.id, editable);
}

/**
 * Creates or replaces the enterprise's trunk profile, if the caller's preconditions (`If-Match`,
 * `If-None-Match: *`) hold for the version it finds under the profile's lock.
 */
export async function saveTrunkProfile(
  deps: { db: Database; setupStarted: SetupStarted },
  audit: AuditContext,
  enterprise: Account,
  input: TrunkProfileInput,
  baseDomain: string | null,
  preconditions: Preconditions = {},
): Promise<TrunkProfile> {
  const errors = await validateTrunkProfile(deps.db, input, baseDomain, enterprise.id);
  if (errors.length > 0) throw Problem.invalid(errors);
  const fqdn = deriveTrunkFqdn(input.label, baseDomain!);
  const scope = tenantScope(enterprise);
  return deps.db.transaction(async (tx) => {
    const trunks = trunksRepository(tx);
    await trunks.lock(enterprise.id);
    const before = await trunks.find(scope, enterprise.id);
    checkPreconditions(preconditions, before ? trunkEtag(before) : null, "trunk profile");
    if (before && before.fqdn !== fqdn) {
      // The FQDN is the tenant's verified subdomain; once set up, changing it would orphan that setup.
      if (await deps.setupStarted(enterprise.id, tx))
        throw Problem.invalid([
          { field: "label", message: "The trunk FQDN cannot change after the Direct Routing setup started." },
        ]);
    }
    const row = await trunks.save(scope, enterprise.id, { ...input, fqdn });
    if (!row) throw Problem.notFound("No such enterprise.");
    await recordAudit(tx, audit, {
      action: before ? "trunk-profile.update" : "trunk-profile.create",
      accountId: enterprise.id,
      targetType: "trunk-profile",
      targetId: row.id,
      before,
      after: row,
    });
    return row;
  });
}

/** Every trunk profile in the scope of `scope` (its own and its descendants'), paged and searchable. */
export async function listTrunkProfiles(
  db: Database,
  scope: Account,
  query: { search?: string; page: number; pageSize: number; cursor?: string; limit?: number },
) {
  const pageSize = query.limit ?? query.pageSize;
  const after = query.cursor ? (trunkProfileCursor.decode(query.cursor) ?? undefined) : undefined;
  const { total, rows } = await trunksRepository(db).list(tenantScope(scope), { ...query, pageSize, after });
  const page = toPage(rows, pageSize, (last) => trunkProfileCursor.encode([last.trunk.fqdn, last.trunk.id]));
  return {
    total,
    nextCursor: page.nextCursor,
    items: page.items.map((r) => ({ ...trunkView(r.trunk), enterpriseName: r.enterpriseName })),
  };
}

/** Cursors of the trunk profile list: (FQDN, id). */
export const trunkProfileCursor = keysetCursor("text", "uuid");

export function trunkView(t: TrunkProfile) {
  return {
    id: t.id,
    enterpriseId: t.enterpriseAccountId,
    label: t.label,
    fqdn: t.fqdn,
    pbxHost: t.pbxHost,
    pbxPort: t.pbxPort,
    transport: t.transport,
    sipDomain: t.sipDomain,
    pbxRealm: t.pbxRealm,
    outboundProxy: t.outboundProxy,
    mode: t.mode,
    allowedIps: t.allowedIps,
    maxConcurrentCalls: t.maxConcurrentCalls,
    codecs: t.codecs,
    transferMode: t.transferMode,
    status: t.status,
  };
}

/** How many of the scope's enterprises have a trunk profile (the onboarding dashboard). */
export function countTrunkProfiles(db: Executor, scope: TenantScope): Promise<number> {
  return trunksRepository(db).count(scope);
}

/** The trunk FQDN of each of the enterprises that has a profile within the scope (the enterprise list). */
export function trunkFqdnsOf(db: Executor, scope: TenantScope, enterpriseAccountIds: string[]) {
  return trunksRepository(db).fqdnsOf(scope, enterpriseAccountIds);
}
