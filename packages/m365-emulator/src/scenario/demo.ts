import { generateUsers, TEAMS_LICENCE } from "./generator.js";
import { hashSeed } from "./random.js";
import type { Scenario } from "./schema.js";

export const DEMO_APP = {
  clientId: "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01",
  clientSecret: "emulator-demo-secret",
  displayName: "Link2Teams",
  publisher: "Cataleya Private Limited",
} as const;

export const DEMO_APP_PERMISSIONS = [
  "User.ReadWrite.All",
  "Domain.ReadWrite.All",
  "Organization.Read.All",
  "RoleManagement.ReadWrite.Directory",
  "TeamsTelephoneNumber.ReadWrite.All",
  "TeamsUserConfiguration.Read.All",
  "TeamsPolicyUserAssign.ReadWrite.All",
];

export const DEMO_TENANTS = {
  contoso: { id: "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01", domain: "contoso.example", displayName: "Contoso" },
  fabrikam: {
    id: "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a02",
    domain: "fabrikam.example",
    displayName: "Fabrikam",
  },
} as const;

export const DEMO_PASSWORDS = { admin: "Admin-Pass-123!", user: "User-Pass-123!" } as const;

/** Users generated per demo tenant in addition to admin@ and user1@ (so 50 in total). */
export const DEMO_GENERATED_USERS = 48;

/**
 * Per-tenant counts of the demo scenario (both tenants are built the same way):
 * 50 users; 30 enabled with an enabled Teams Phone (MCOEV) plan (admin via SPE_E5, user1 and 20 via MCOEV,
 * 8 via SPE_E5); 2 disabled users holding MCOEV; 4 resource accounts (disabled, PHONESYSTEM_VIRTUALUSER);
 * 14 without any licence (2 of them without usageLocation, 2 disabled). Every MCOEV holder also holds Microsoft
 * Teams Enterprise (the Teams service, TEAMS1). SKUs: MCOEV 23/40 consumed, Microsoft_Teams_Enterprise_New 23/23
 * (no free seat), SPE_E5 9/10, PHONESYSTEM_VIRTUALUSER 4/10. 20 Direct Routing numbers (5 assigned) and 2 Calling Plan numbers.
 */
export const DEMO_COUNTS = {
  users: 50,
  enabledUsers: 42,
  disabledUsers: 8,
  teamsPhoneEligible: 30,
  teamsPhoneLicensedDisabled: 2,
  resourceAccounts: 4,
  unlicensed: 14,
  withoutUsageLocation: 2,
  skus: {
    MCOEV: { units: 40, consumed: 23 },
    Microsoft_Teams_Enterprise_New: { units: 23, consumed: 23 },
    SPE_E5: { units: 10, consumed: 9 },
    PHONESYSTEM_VIRTUALUSER: { units: 10, consumed: 4 },
  },
  numbers: { directRouting: 20, directRoutingAssigned: 5, callingPlan: 2 },
} as const;

function demoTenant(
  key: keyof typeof DEMO_TENANTS,
  numberPrefix: string,
  usageLocation: string,
): NonNullable<Scenario["tenants"]>[number] {
  const t = DEMO_TENANTS[key];
  const generated = generateUsers(t.domain, DEMO_GENERATED_USERS, hashSeed(t.id));
  const numberHolders = generated.filter((u) => u.licenses.includes("MCOEV") && u.accountEnabled).slice(0, 5);
  const numbers: NonNullable<NonNullable<Scenario["tenants"]>[number]["numbers"]> = [];
  for (let i = 0; i < 20; i++) {
    numbers.push({
      telephoneNumber: `${numberPrefix}${String(100 + i).padStart(4, "0")}`,
      numberType: "directRouting",
      assignedTo: numberHolders[i]?.userPrincipalName,
    });
  }
  numbers.push({ telephoneNumber: `${numberPrefix}0900`, numberType: "callingPlan", city: "Redmond" });
  numbers.push({ telephoneNumber: `${numberPrefix}0901`, numberType: "callingPlan", city: "Redmond" });
  return {
    id: t.id,
    name: key,
    displayName: t.displayName,
    countryLetterCode: usageLocation,
    defaultUsageLocation: usageLocation,
    domains: [
      { name: t.domain, verified: true, default: true },
      { name: `${key}.onmicrosoft.example`, verified: true },
    ],
    skus: [
      { skuPartNumber: "MCOEV", units: 40 },
      { skuPartNumber: TEAMS_LICENCE, units: 23 },
      { skuPartNumber: "SPE_E5", units: 10 },
      { skuPartNumber: "PHONESYSTEM_VIRTUALUSER", units: 10 },
    ],
    users: [
      {
        userPrincipalName: `admin@${t.domain}`,
        displayName: `${t.displayName} Administrator`,
        givenName: t.displayName,
        surname: "Administrator",
        password: DEMO_PASSWORDS.admin,
        usageLocation,
        licenses: ["SPE_E5"],
        directoryRoles: ["Global Administrator"],
      },
      {
        userPrincipalName: `user1@${t.domain}`,
        displayName: "User One",
        givenName: "User",
        surname: "One",
        password: DEMO_PASSWORDS.user,
        usageLocation,
        licenses: ["MCOEV", TEAMS_LICENCE],
      },
      ...generated,
    ],
    numbers,
  };
}

/** The built-in "demo" scenario: one multi-tenant app and two customer tenants. */
export function demoScenario(): Scenario {
  return {
    name: "demo",
    settings: { operationDelayMs: 50 },
    apps: [
      {
        clientId: DEMO_APP.clientId,
        displayName: DEMO_APP.displayName,
        publisher: DEMO_APP.publisher,
        secrets: [DEMO_APP.clientSecret],
        redirectUris: [
          "http://localhost/api/microsoft/callback",
          "http://localhost/api/auth/microsoft/callback",
        ],
        applicationPermissions: DEMO_APP_PERMISSIONS,
        delegatedPermissions: ["User.Read"],
      },
    ],
    tenants: [demoTenant("contoso", "+1425555", "US"), demoTenant("fabrikam", "+4420718", "GB")],
  };
}
