import { type ApiClientOptions, createApiClient } from "./api-client.js";
import type { MicrosoftAppSettings } from "./settings.js";
import type { TokenProvider } from "./tokens.js";

export const TEAMS_ADMINISTRATOR_ROLE = "69091246-20e8-4a56-aa4d-066075b2a7a8";

export interface GraphDomain {
  id: string;
  isVerified: boolean;
}
export interface GraphDnsRecord {
  recordType: string;
  label: string;
  text?: string;
  ttl: number;
}
export interface GraphUser {
  id: string;
  userPrincipalName: string;
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string }[];
}
export interface GraphSku {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  capabilityStatus: string;
  prepaidUnits: { enabled: number };
  servicePlans?: { servicePlanId: string; servicePlanName: string }[];
}

/** The Teams service plan (TEAMS1): every licence that "includes Teams" carries it. */
export const TEAMS_SERVICE_PLAN_ID = "57ff2da0-773e-42df-b2af-ffb7a2317929";
export const includesTeams = (sku: Pick<GraphSku, "servicePlans">) =>
  (sku.servicePlans ?? []).some(
    (p) => p.servicePlanId.toLowerCase() === TEAMS_SERVICE_PLAN_ID || p.servicePlanName === "TEAMS1",
  );
export interface GraphOrganization {
  id: string;
  displayName: string;
  defaultUsageLocation?: string | null;
  countryLetterCode?: string | null;
  verifiedDomains: { name: string; isDefault: boolean; isInitial: boolean }[];
}

const q = encodeURIComponent;

/**
 * The claims of an access token the identity platform just issued to us over TLS. Only read, never trusted for
 * access decisions (the resource verifies it), so the signature is not checked here.
 */
export function tokenClaims(token: string): {
  oid?: string;
  tid?: string;
  roles?: string[];
  wids?: string[];
} {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
  } catch {
    return {};
  }
}

/** The Microsoft Graph v1.0 calls sip2teams makes in a customer tenant (app-only). */
export function graphClient(
  settings: MicrosoftAppSettings,
  tokens: TokenProvider,
  tenantId: string,
  options: Partial<ApiClientOptions> = {},
) {
  const api = createApiClient({
    baseUrl: `${settings.graphUrl}/v1.0`,
    tenantId,
    audience: "graph",
    tokens,
    ...options,
  });
  return {
    api,
    async organization(): Promise<GraphOrganization> {
      const { body } = await api.get<{ value: GraphOrganization[] }>("/organization");
      const org = body.value[0];
      if (!org) throw new Error("Graph returned no organization.");
      return org;
    },
    /**
     * The app's own service principal in the tenant: the `oid` claim of its app-only token. Listing
     * `/servicePrincipals?$filter=appId eq …` would need Application.Read.All, which the app does not request.
     */
    async ownServicePrincipalId(): Promise<string | null> {
      return tokenClaims(await tokens.get(tenantId, "graph")).oid ?? null;
    },
    /** Kept for callers that pass the app id: it can only be our own app, so this is `ownServicePrincipalId`. */
    async servicePrincipalId(_ownAppId: string): Promise<string | null> {
      return tokenClaims(await tokens.get(tenantId, "graph")).oid ?? null;
    },
    async roleAssignments(principalId: string): Promise<{ id: string; roleDefinitionId: string }[]> {
      const { body } = await api.get<{ value: { id: string; roleDefinitionId: string }[] }>(
        `/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${principalId}'`)}`,
      );
      return body.value;
    },
    async assignDirectoryRole(principalId: string, roleDefinitionId: string): Promise<void> {
      await api.post("/roleManagement/directory/roleAssignments", {
        "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
        principalId,
        roleDefinitionId,
        directoryScopeId: "/",
      });
    },
    async getDomain(fqdn: string): Promise<GraphDomain | null> {
      const response = await api.get<GraphDomain>(`/domains/${q(fqdn)}`, [404]);
      return response.status === 404 ? null : response.body;
    },
    async addDomain(fqdn: string): Promise<GraphDomain> {
      return (await api.post<GraphDomain>("/domains", { id: fqdn })).body;
    },
    async verificationRecords(fqdn: string): Promise<GraphDnsRecord[]> {
      return (await api.get<{ value: GraphDnsRecord[] }>(`/domains/${q(fqdn)}/verificationDnsRecords`)).body
        .value;
    },
    async verifyDomain(fqdn: string): Promise<GraphDomain> {
      return (await api.post<GraphDomain>(`/domains/${q(fqdn)}/verify`, {})).body;
    },
    async getUser(idOrUpn: string): Promise<GraphUser | null> {
      const response = await api.get<GraphUser>(
        `/users/${q(idOrUpn)}?$select=id,userPrincipalName,usageLocation,assignedLicenses`,
        [404],
      );
      return response.status === 404 ? null : response.body;
    },
    async createUser(input: {
      displayName: string;
      mailNickname: string;
      userPrincipalName: string;
      usageLocation: string;
      password: string;
    }): Promise<GraphUser> {
      const { password, ...rest } = input;
      return (
        await api.post<GraphUser>("/users", {
          accountEnabled: true,
          ...rest,
          passwordProfile: { password, forceChangePasswordNextSignIn: false },
        })
      ).body;
    },
    async subscribedSkus(): Promise<GraphSku[]> {
      return (await api.get<{ value: GraphSku[] }>("/subscribedSkus")).body.value;
    },
    async assignLicense(userId: string, skuId: string): Promise<void> {
      await api.post(`/users/${q(userId)}/assignLicense`, {
        addLicenses: [{ skuId, disabledPlans: [] }],
        removeLicenses: [],
      });
    },
    async deleteUser(userId: string): Promise<void> {
      await api.delete(`/users/${q(userId)}`, [404]);
    },
    async deleteDomain(fqdn: string): Promise<void> {
      await api.delete(`/domains/${q(fqdn)}`, [404]);
    },
  };
}

export type GraphClient = ReturnType<typeof graphClient>;
