import type { Tenant } from "../state/model.js";
import type { EmulatorState } from "../state/store.js";
import { StsError } from "./sts-errors.js";

export const MULTI_TENANT_SEGMENTS = new Set(["common", "organizations", "consumers"]);

/** Resolves the `{tenant}` path segment: a GUID, a verified domain, or a multi-tenant alias (null). */
export function resolveAuthorityTenant(state: EmulatorState, segment: string): Tenant | null {
  const seg = segment.toLowerCase();
  if (MULTI_TENANT_SEGMENTS.has(seg)) return null;
  const tenant = state.findTenant(seg);
  if (!tenant) {
    throw new StsError(
      400,
      "invalid_request",
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  return tenant;
}

export function openIdConfiguration(base: string, segment: string, tenant: Tenant | null) {
  const seg = segment.toLowerCase();
  const tid = tenant ? tenant.id : "{tenantid}";
  const pathTenant = tenant ? tenant.id : seg;
  return {
    token_endpoint: `${base}/${pathTenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/${pathTenant}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/${tid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/graph/oidc/userinfo`,
    authorization_endpoint: `${base}/${pathTenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${pathTenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${pathTenant}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/${pathTenant}/kerberos`,
    tenant_region_scope: tenant ? "EU" : null,
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: new URL(base).host,
    rbac_url: "https://pas.windows.net",
  };
}
