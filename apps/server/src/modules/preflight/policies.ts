/** Pure rules of the Preflight: what each line expects, and how a finding becomes a line. */

export type PreflightStatus = "ok" | "warning" | "failed" | "waiting" | "unknown";

export interface PreflightLine {
  id: string;
  label: string;
  status: PreflightStatus;
  /** What was found (for OK) or the reason it is not OK. */
  detail: string;
  /** What a partner (or the operator) does about it; null when the line is OK. */
  fix: string | null;
}

export const ok = (id: string, label: string, detail: string): PreflightLine => ({
  id,
  label,
  status: "ok",
  detail,
  fix: null,
});

export const notOk = (
  id: string,
  label: string,
  status: Exclude<PreflightStatus, "ok">,
  detail: string,
  fix: string,
): PreflightLine => ({ id, label, status, detail, fix });

/**
 * The application permissions (app roles) the portal's Microsoft calls need, as listed in docs/operations.md.
 * The app-only Graph token's `roles` claim lists those the tenant granted.
 */
export const REQUIRED_APP_ROLES = [
  "User.ReadWrite.All",
  "Domain.ReadWrite.All",
  "Organization.Read.All",
  "RoleManagement.ReadWrite.Directory",
  "TeamsTelephoneNumber.ReadWrite.All",
  "TeamsUserConfiguration.Read.All",
  "TeamsPolicyUserAssign.ReadWrite.All",
] as const;

export function missingAppRoles(granted: readonly string[]): string[] {
  const have = new Set(granted.map((r) => r.toLowerCase()));
  return REQUIRED_APP_ROLES.filter((r) => !have.has(r.toLowerCase()));
}

/** Teams Phone Standard (MCOEV): not a licence that activates a subdomain on its own. */
export const TEAMS_PHONE_STANDARD_PART = "MCOEV";

/**
 * Microsoft ("Configure a Session Border Controller for multiple tenants") activates the subdomain once a user
 * in it holds a licence that includes Teams; Teams Phone Standard alone is not one of them.
 */
export function activationLicenceFinding(partNumbers: string[]): {
  status: "ok" | "warning" | "failed";
  detail: string;
} {
  if (partNumbers.length === 0)
    return { status: "failed", detail: "The activation account holds no licence." };
  const list = partNumbers.join(", ");
  if (partNumbers.every((p) => p.toUpperCase() === TEAMS_PHONE_STANDARD_PART))
    return {
      status: "warning",
      detail: `The activation account holds only ${list}; Teams Phone Standard alone does not activate the subdomain.`,
    };
  return { status: "ok", detail: `The activation account is licensed (${list}).` };
}

/** Compares what the trunk FQDN resolves to with the SBC record from Operator settings. */
export function dnsFinding(
  fqdn: string,
  expected: { type: "address"; addresses: string[] } | { type: "CNAME"; target: string },
  resolved: string[],
): { ok: boolean; detail: string } {
  if (resolved.length === 0) return { ok: false, detail: `${fqdn} does not resolve.` };
  const norm = (v: string) => v.toLowerCase().replace(/\.$/, "");
  const want = expected.type === "CNAME" ? [norm(expected.target)] : expected.addresses.map(norm);
  const stray = resolved.map(norm).filter((v) => !want.includes(v));
  if (stray.length > 0)
    return {
      ok: false,
      detail: `${fqdn} resolves to ${resolved.join(", ")}, not to the SBC (${want.join(", ")}).`,
    };
  return { ok: true, detail: `${fqdn} resolves to ${resolved.join(", ")} (the SBC).` };
}

/** The names (case-insensitive, with or without `Tag:`) of `wanted` that `identities` lacks. */
export function missingIdentities(identities: string[], wanted: string[]): string[] {
  const have = new Set(identities.map((i) => i.toLowerCase().replace(/^tag:/, "")));
  return wanted.filter((w) => !have.has(w.toLowerCase()));
}
