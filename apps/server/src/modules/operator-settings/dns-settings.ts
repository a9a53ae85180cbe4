import { isIP } from "node:net";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { FieldError } from "../../http/problem.js";
import {
  type DnsAdapterKind,
  type DnsSettings,
  type Rfc2136Settings,
  type TrunkRecordTarget,
  TSIG_ALGORITHMS,
  type TsigAlgorithm,
} from "./dns-types.js";
import type { OperatorSettingsRow } from "./schema.js";

/** The DNS part of the operator settings: which adapter, the RFC 2136 server and key, the trunk record target. */

export const TSIG_SECRET_AD = "operator-settings:dns-tsig-secret";
export const DEFAULT_DNS_PORT = 53;

export interface Rfc2136Input {
  dnsServer: string | null;
  dnsPort: number | null;
  dnsZone: string | null;
  dnsTsigKeyName: string | null;
  dnsTsigAlgorithm: TsigAlgorithm | null;
  /** undefined keeps the stored secret, null clears it. */
  dnsTsigSecret?: string | null;
}

export interface TrunkRecordInput {
  trunkRecordType: "address" | "CNAME" | null;
  trunkRecordAddresses: string[];
  trunkRecordCname: string | null;
}

// Zone and key names: letters, digits, hyphens and underscores per label (TSIG key names are often one label).
const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isDomain(value: string): boolean {
  return DOMAIN.test(value);
}

/** Per-field errors for the RFC 2136 fields; `secretStored` tells whether an empty secret keeps one. */
export function validateRfc2136(
  input: Rfc2136Input,
  secretStored: boolean,
  sbcBaseDomain: string | null,
): FieldError[] {
  const errors: FieldError[] = [];
  const server = input.dnsServer;
  if (!server)
    errors.push({
      field: "dnsServer",
      message: "Enter the zone's primary DNS server (host name or IP address).",
    });
  else if (isIP(server) === 0 && !isDomain(server))
    errors.push({ field: "dnsServer", message: `"${server}" is neither an IP address nor a host name.` });
  if (
    input.dnsPort !== null &&
    (!Number.isInteger(input.dnsPort) || input.dnsPort < 1 || input.dnsPort > 65535)
  )
    errors.push({ field: "dnsPort", message: "The DNS port must be between 1 and 65535." });
  const zone = input.dnsZone;
  if (!zone) errors.push({ field: "dnsZone", message: "Enter the zone to update, e.g. sbc.example.net." });
  else if (!isDomain(zone)) errors.push({ field: "dnsZone", message: `"${zone}" is not a valid zone name.` });
  else if (sbcBaseDomain && sbcBaseDomain !== zone && !sbcBaseDomain.endsWith(`.${zone}`))
    errors.push({
      field: "dnsZone",
      message: `The SBC base domain ${sbcBaseDomain} is not inside zone ${zone}, so trunk records could not be published there.`,
    });
  const key = input.dnsTsigKeyName;
  if (!key)
    errors.push({
      field: "dnsTsigKeyName",
      message: "Enter the TSIG key's name as the DNS server knows it.",
    });
  else if (!isDomain(key))
    errors.push({ field: "dnsTsigKeyName", message: `"${key}" is not a valid key name.` });
  if (input.dnsTsigAlgorithm !== null && !TSIG_ALGORITHMS.includes(input.dnsTsigAlgorithm))
    errors.push({ field: "dnsTsigAlgorithm", message: `Choose ${TSIG_ALGORITHMS.join(" or ")}.` });
  const secret = input.dnsTsigSecret;
  if (secret === null || (secret === undefined && !secretStored))
    errors.push({
      field: "dnsTsigSecret",
      message: "Paste the TSIG key's secret (base64, as tsig-keygen prints it).",
    });
  else if (secret !== undefined && (!BASE64.test(secret) || Buffer.from(secret, "base64").length < 16))
    errors.push({
      field: "dnsTsigSecret",
      message: "The secret must be base64 of at least 16 bytes (as tsig-keygen prints it).",
    });
  return errors;
}

export function validateTrunkRecord(input: TrunkRecordInput): FieldError[] {
  const errors: FieldError[] = [];
  if (input.trunkRecordType === "address") {
    if (input.trunkRecordAddresses.length === 0)
      errors.push({ field: "trunkRecordAddresses", message: "Enter the SBC's IPv4 and/or IPv6 addresses." });
    input.trunkRecordAddresses.forEach((address, i) => {
      if (isIP(address) === 0)
        errors.push({ field: `trunkRecordAddresses.${i}`, message: `"${address}" is not an IP address.` });
    });
  }
  if (input.trunkRecordType === "CNAME") {
    if (!input.trunkRecordCname)
      errors.push({ field: "trunkRecordCname", message: "Enter the SBC's FQDN the trunk names point at." });
    else if (!isDomain(input.trunkRecordCname))
      errors.push({ field: "trunkRecordCname", message: `"${input.trunkRecordCname}" is not a valid FQDN.` });
  }
  return errors;
}

/** The stored RFC 2136 settings with the secret opened; null when any part is missing. */
export function storedRfc2136(
  row: OperatorSettingsRow | undefined,
  secrets: SecretBox,
): Rfc2136Settings | null {
  if (!row?.dnsServer || !row.dnsZone || !row.dnsTsigKeyName || !row.dnsTsigSecretSealed) return null;
  return {
    server: row.dnsServer,
    port: row.dnsPort ?? DEFAULT_DNS_PORT,
    zone: row.dnsZone,
    keyName: row.dnsTsigKeyName,
    algorithm: (row.dnsTsigAlgorithm as TsigAlgorithm | null) ?? "hmac-sha256",
    secret: secrets.open(row.dnsTsigSecretSealed, TSIG_SECRET_AD),
  };
}

/** The adapter in effect: the stored choice, else the emulator when it runs, else manual. */
export function effectiveDns(
  row: OperatorSettingsRow | undefined,
  secrets: SecretBox,
  emulatorRuns: boolean,
): DnsSettings {
  const kind = (row?.dnsAdapter as DnsAdapterKind | null) ?? (emulatorRuns ? "emulator" : "manual");
  if (kind !== "rfc2136") return { kind };
  const rfc2136 = storedRfc2136(row, secrets);
  // Saving validates every field, so this is only reachable if the row was edited by hand.
  if (!rfc2136) throw new Error("The RFC 2136 DNS adapter is chosen but its settings are incomplete.");
  return { kind, rfc2136 };
}

export function effectiveTrunkRecord(row: OperatorSettingsRow | undefined): TrunkRecordTarget | null {
  if (row?.trunkRecordType === "CNAME" && row.trunkRecordCname)
    return { type: "CNAME", target: row.trunkRecordCname };
  if (row?.trunkRecordType === "address" && row.trunkRecordAddresses?.length)
    return { type: "address", addresses: row.trunkRecordAddresses };
  return null;
}
