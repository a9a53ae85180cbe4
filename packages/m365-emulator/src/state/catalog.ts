/** Well-known Microsoft identifiers (reference §2.7, §3.6 and Entra's permissions reference). */

export interface ServicePlanDefinition {
  servicePlanId: string;
  servicePlanName: string;
  service: string;
}

export interface SkuDefinition {
  skuId: string;
  skuPartNumber: string;
  servicePlans: ServicePlanDefinition[];
}

export const PLAN = {
  MCOEV: {
    servicePlanId: "4828c8ec-dc2e-4779-b502-87ac9ce28ab7",
    servicePlanName: "MCOEV",
    service: "MicrosoftCommunicationsOnline",
  },
  MCOEV_VIRTUALUSER: {
    servicePlanId: "f47330e9-c134-43b3-9993-e7f004506889",
    servicePlanName: "MCOEV_VIRTUALUSER",
    service: "MicrosoftCommunicationsOnline",
  },
  TEAMS1: {
    servicePlanId: "57ff2da0-773e-42df-b2af-ffb7a2317929",
    servicePlanName: "TEAMS1",
    service: "TeamspaceAPI",
  },
  EXCHANGE_S_ENTERPRISE: {
    servicePlanId: "efb87545-963c-4e0d-99df-69c6916d9eb0",
    servicePlanName: "EXCHANGE_S_ENTERPRISE",
    service: "exchange",
  },
  MCOSTANDARD: {
    servicePlanId: "0feaeb32-d00e-4d66-bd5a-43b5b83db82c",
    servicePlanName: "MCOSTANDARD",
    service: "MicrosoftCommunicationsOnline",
  },
  MCOMEETADV: {
    servicePlanId: "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40",
    servicePlanName: "MCOMEETADV",
    service: "MicrosoftCommunicationsOnline",
  },
} as const satisfies Record<string, ServicePlanDefinition>;

export const SKU_CATALOG: SkuDefinition[] = [
  { skuId: "e43b5b99-8dfb-405f-9987-dc307f34bcbd", skuPartNumber: "MCOEV", servicePlans: [PLAN.MCOEV] },
  // Microsoft Teams (Enterprise / EEA): the Teams service (TEAMS1) bought apart from Microsoft 365 suites "(no
  // Teams)"; Teams Phone Standard (MCOEV) is an add-on that needs such a Teams licence to be usable.
  {
    skuId: "7e74bd05-2c47-404e-829a-ba95c66fe8e5",
    skuPartNumber: "Microsoft_Teams_Enterprise_New",
    servicePlans: [PLAN.TEAMS1],
  },
  {
    skuId: "440eaaa8-b3e0-484b-a8be-62870b9ba70a",
    skuPartNumber: "PHONESYSTEM_VIRTUALUSER",
    servicePlans: [PLAN.MCOEV_VIRTUALUSER],
  },
  {
    skuId: "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    skuPartNumber: "SPE_E5",
    servicePlans: [PLAN.MCOEV, PLAN.TEAMS1, PLAN.EXCHANGE_S_ENTERPRISE, PLAN.MCOSTANDARD, PLAN.MCOMEETADV],
  },
  {
    skuId: "c7df2760-2c81-4ef7-b578-5b5392b571df",
    skuPartNumber: "ENTERPRISEPREMIUM",
    servicePlans: [PLAN.MCOEV, PLAN.TEAMS1, PLAN.EXCHANGE_S_ENTERPRISE, PLAN.MCOSTANDARD, PLAN.MCOMEETADV],
  },
];

export function skuByPartNumberOrId(key: string): SkuDefinition | undefined {
  const k = key.toLowerCase();
  return SKU_CATALOG.find((s) => s.skuId === k || s.skuPartNumber.toLowerCase() === k);
}

/** Directory role templates. */
export const ROLE = {
  GLOBAL_ADMINISTRATOR: "62e90394-69f5-4237-9190-012177145e10",
  TEAMS_ADMINISTRATOR: "69091246-20e8-4a56-aa4d-066075b2a7a8",
  TEAMS_COMMUNICATIONS_ADMINISTRATOR: "baf37b3a-610e-45da-9e62-d9d1e5e8914b",
  USER_ADMINISTRATOR: "fe930be7-5e62-47db-91af-98c3a49a38b1",
  PRIVILEGED_ROLE_ADMINISTRATOR: "e8611ab8-c189-46e8-94e1-60213ab1f814",
  LICENSE_ADMINISTRATOR: "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
} as const;

export const ROLE_NAMES: Record<string, string> = {
  [ROLE.GLOBAL_ADMINISTRATOR]: "Global Administrator",
  [ROLE.TEAMS_ADMINISTRATOR]: "Teams Administrator",
  [ROLE.TEAMS_COMMUNICATIONS_ADMINISTRATOR]: "Teams Communications Administrator",
  [ROLE.USER_ADMINISTRATOR]: "User Administrator",
  [ROLE.PRIVILEGED_ROLE_ADMINISTRATOR]: "Privileged Role Administrator",
  [ROLE.LICENSE_ADMINISTRATOR]: "License Administrator",
};

/** Accepts a role template id or its display name. */
export function resolveRoleTemplate(key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [id, name] of Object.entries(ROLE_NAMES)) {
    if (id === lower || name.toLowerCase() === lower) return id;
  }
  return undefined;
}

/** Roles that let a service principal call the Teams admin (ConfigAPI) surface. */
export const TEAMS_ADMIN_ROLES: readonly string[] = [
  ROLE.TEAMS_ADMINISTRATOR,
  ROLE.TEAMS_COMMUNICATIONS_ADMINISTRATOR,
  ROLE.GLOBAL_ADMINISTRATOR,
];

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_RESOURCE = "https://graph.microsoft.com";
export const TEAMS_ADMIN_RESOURCE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239";

/**
 * Microsoft Graph application permissions (app roles). Ids are Microsoft's where well known;
 * tokens carry the names, so ids only matter for appRoleAssignment listings.
 */
export const GRAPH_APP_ROLES: Record<string, string> = {
  "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
  "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
  "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
  "Directory.ReadWrite.All": "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
  "Domain.Read.All": "dbb9058a-0e50-45d7-ae91-66909b5d4664",
  "Domain.ReadWrite.All": "7e05723c-0bb0-42da-be95-ae9f08a6e53c",
  "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
  "Organization.ReadWrite.All": "292d869f-3427-49a8-9dab-8c70152b74e9",
  "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
  "RoleManagement.Read.Directory": "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
  "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
  "TeamsTelephoneNumber.Read.All": "39b17d18-680c-41f4-b9c2-5f30629e7cb6",
  "TeamsTelephoneNumber.ReadWrite.All": "0a42382f-155c-4eb1-9bdc-21548ccaa387",
  "TeamsUserConfiguration.Read.All": "a91eadeb-c6b7-4b9b-bd4e-d5ca8ac2fa0f",
  "TeamsPolicyUserAssign.ReadWrite.All": "2f6817f8-7b12-4f0f-bc18-eeaf60705a9e",
};

/** Delegated scopes a normal user may consent to; everything else needs an administrator. */
export const USER_CONSENTABLE_SCOPES = new Set([
  "openid",
  "profile",
  "email",
  "offline_access",
  "User.Read",
  "User.ReadBasic.All",
]);

export const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
