import { stableGuid } from "../scenario/random.js";
import { ROLE_NAMES } from "../state/catalog.js";
import type {
  Domain,
  NumberAssignment,
  NumberOperation,
  RoleAssignment,
  ServicePrincipal,
  Tenant,
  TenantSku,
  User,
} from "../state/model.js";
import { numbersOfUser } from "../state/numbers.js";
import { consumedUnits } from "../state/users.js";
import { policyId } from "../state/voice.js";

/** Every property of microsoft.graph.user in the v1.0 CSDL (incl. base types), for $select validation. */
export const USER_PROPERTIES = (
  "id deletedDateTime aboutMe accountEnabled ageGroup assignedLicenses assignedPlans authorizationInfo birthday " +
  "businessPhones city companyName consentProvidedForMinor country createdDateTime creationType " +
  "customSecurityAttributes department deviceEnrollmentLimit displayName employeeHireDate employeeId " +
  "employeeLeaveDateTime employeeOrgData employeeType externalUserState externalUserStateChangeDateTime faxNumber " +
  "givenName hireDate identities identityParentId imAddresses interests isManagementRestricted isResourceAccount " +
  "jobTitle lastPasswordChangeDateTime legalAgeGroupClassification licenseAssignmentStates mail mailboxSettings " +
  "mailNickname mobilePhone mySite officeLocation onPremisesDistinguishedName onPremisesDomainName " +
  "onPremisesExtensionAttributes onPremisesImmutableId onPremisesLastSyncDateTime onPremisesProvisioningErrors " +
  "onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled onPremisesUserPrincipalName otherMails " +
  "passwordPolicies passwordProfile pastProjects postalCode preferredDataLocation preferredLanguage preferredName " +
  "print provisionedPlans proxyAddresses responsibilities schools securityIdentifier serviceProvisioningErrors " +
  "showInAddressList signInActivity signInSessionsValidFromDateTime skills state streetAddress surname usageLocation " +
  "userPrincipalName userType"
).split(" ");

const USER_COLLECTIONS = new Set([
  "imAddresses",
  "otherMails",
  "proxyAddresses",
  "identities",
  "provisionedPlans",
  "interests",
  "pastProjects",
  "responsibilities",
  "schools",
  "skills",
  "licenseAssignmentStates",
  "onPremisesProvisioningErrors",
  "serviceProvisioningErrors",
]);

export const USER_DEFAULT_SELECT = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

/** The full user as Graph would return it with every property selected (unmodelled ones null/empty). */
/** The user as Graph shows it: every property, or only `only` (a $select: a page of 999 users builds less). */
export function userEntity(tenant: Tenant, u: User, only?: readonly string[]): Record<string, unknown> {
  const modelled: Record<string, unknown> = {
    id: u.id,
    businessPhones: u.businessPhones,
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    // Graph user.mail is "the SMTP address for the user": null unless the user has a mailbox (an Exchange
    // Online plan), whatever the UPN looks like.
    mail: [...u.plans.values()].some((p) => p.service === "exchange" && p.capabilityStatus === "Enabled")
      ? u.mail
      : null,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    usageLocation: u.usageLocation,
    assignedLicenses: u.licenses.map((l) => ({ disabledPlans: l.disabledPlans, skuId: l.skuId })),
    assignedPlans: [...u.plans.values()].map((p) => ({
      assignedDateTime: p.assignedDateTime,
      capabilityStatus: p.capabilityStatus,
      service: p.service,
      servicePlanId: p.servicePlanId,
    })),
    createdDateTime: u.createdDateTime,
    department: u.department,
    mailNickname: u.mailNickname,
    userType: u.userType,
    creationType: null,
    onPremisesSyncEnabled: null,
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    otherMails: [],
    deletedDateTime: null,
    country: null,
    city: null,
    companyName: tenant.displayName,
    // Non-nullable in the CSDL; Graph returns these defaults when unset.
    birthday: "0001-01-01T00:00:00Z",
    hireDate: "0001-01-01T00:00:00Z",
    deviceEnrollmentLimit: 5,
  };
  const out: Record<string, unknown> = {};
  for (const p of only ?? USER_PROPERTIES) {
    if (p in modelled) out[p] = modelled[p];
    else out[p] = USER_COLLECTIONS.has(p) ? [] : null;
  }
  return out;
}

export function skuEntity(tenant: Tenant, s: TenantSku): Record<string, unknown> {
  return {
    id: `${tenant.id}_${s.skuId}`,
    accountId: tenant.id,
    accountName: tenant.displayName,
    appliesTo: "User",
    capabilityStatus: s.capabilityStatus,
    consumedUnits: consumedUnits(tenant, s.skuId),
    prepaidUnits: { enabled: s.units, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: s.servicePlans.map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName,
      provisioningStatus: "Success",
      appliesTo: "User",
    })),
    skuId: s.skuId,
    skuPartNumber: s.skuPartNumber,
    subscriptionIds: [s.subscriptionId],
  };
}

export function organizationEntity(tenant: Tenant): Record<string, unknown> {
  const assigned = tenant.skus.flatMap((s) =>
    s.servicePlans.map((p) => ({
      assignedDateTime: tenant.createdDateTime,
      capabilityStatus: s.capabilityStatus,
      service: p.service,
      servicePlanId: p.servicePlanId,
    })),
  );
  return {
    id: tenant.id,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: tenant.countryLetterCode,
    createdDateTime: tenant.createdDateTime,
    defaultUsageLocation: tenant.defaultUsageLocation,
    displayName: tenant.displayName,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    postalCode: null,
    preferredLanguage: "en",
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: [],
    tenantType: "AAD",
    assignedPlans: assigned,
    provisionedPlans: [],
    verifiedDomains: [...tenant.domains.values()]
      .filter((d) => d.isVerified)
      .map((d) => ({
        capabilities: d.isInitial
          ? "Email, OfficeCommunicationsOnline"
          : d.supportedServices.join(", ") || "None",
        isDefault: d.isDefault,
        isInitial: d.isInitial,
        name: d.id,
        type: d.authenticationType,
      })),
  };
}

export function domainEntity(d: Domain): Record<string, unknown> {
  return {
    id: d.id,
    authenticationType: d.authenticationType,
    availabilityStatus: null,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.isInitial,
    isRoot: true,
    isVerified: d.isVerified,
    passwordNotificationWindowInDays: null,
    passwordValidityPeriodInDays: null,
    supportedServices: d.supportedServices,
    state: null,
  };
}

export function verificationRecords(d: Domain): Record<string, unknown>[] {
  const code = d.verificationCode.slice(3);
  return [
    {
      "@odata.type": "#microsoft.graph.domainDnsTxtRecord",
      id: `aceff52c-06a5-447f-ac5f-${code.padStart(12, "0").slice(-12)}`,
      isOptional: false,
      label: d.id,
      recordType: "Txt",
      supportedService: "Email",
      ttl: 3600,
      text: d.verificationCode,
    },
    {
      "@odata.type": "#microsoft.graph.domainDnsMxRecord",
      id: `5fbde38c-0865-497f-82b1-${code.padStart(12, "0").slice(-12)}`,
      isOptional: false,
      label: d.id,
      recordType: "Mx",
      supportedService: "Email",
      ttl: 3600,
      mailExchange: `${code}.msv1.invalid`,
      preference: 32767,
    },
  ];
}

export function servicePrincipalEntity(sp: ServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: true,
    alternativeNames: [],
    appDisplayName: sp.displayName,
    appDescription: null,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    appRoles: sp.appRoles.map((r) => ({
      allowedMemberTypes: ["Application"],
      description: r.displayName,
      displayName: r.displayName,
      id: r.id,
      isEnabled: true,
      origin: "Application",
      value: r.value,
    })),
    displayName: sp.displayName,
    homepage: null,
    notes: null,
    replyUrls: [],
    servicePrincipalNames: [sp.appId],
    servicePrincipalType: "Application",
    signInAudience: "AzureADMultipleOrgs",
    tags: [],
    verifiedPublisher: { displayName: sp.publisherName, verifiedPublisherId: null, addedDateTime: null },
  };
}

export function roleAssignmentEntity(ra: RoleAssignment): Record<string, unknown> {
  return {
    id: ra.id,
    appScopeId: null,
    condition: null,
    directoryScopeId: ra.directoryScopeId,
    principalId: ra.principalId,
    roleDefinitionId: ra.roleDefinitionId,
  };
}

export const roleDisplayName = (id: string) => ROLE_NAMES[id] ?? id;

export function numberAssignmentEntity(n: NumberAssignment): Record<string, unknown> {
  return { ...n };
}

export function operationEntity(base: string, tenant: Tenant, op: NumberOperation): Record<string, unknown> {
  const number = tenant.numbers.get(op.request.telephoneNumber);
  const terminal = op.status === "succeeded" || op.status === "failed";
  return {
    id: op.id,
    createdDateTime: op.createdDateTime,
    status: op.status,
    numbers: [
      {
        resourceLocation: number
          ? `${base}/admin/teams/telephoneNumberManagement/numberAssignments/${number.id}`
          : null,
        status: terminal ? op.status : op.status === "running" ? "running" : "notStarted",
        statusDetail: op.statusDetail,
      },
    ],
  };
}

export function userConfigurationEntity(tenant: Tenant, u: User): Record<string, unknown> {
  return {
    ...userConfigurationScalars(tenant, u),
    telephoneNumbers: numbersOfUser(tenant, u.id).map((n) => ({
      telephoneNumber: n.telephoneNumber,
      assignmentCategory: n.assignmentCategory ?? "primary",
    })),
    effectivePolicyAssignments: Object.entries(u.voice.policies).map(([policyType, name]) => ({
      policyType,
      policyAssignment: {
        displayName: name,
        assignmentType: "direct",
        policyId: policyId(tenant, policyType, name),
        groupId: null,
      },
    })),
  };
}

/** A user's Teams configuration without its collections: enough to filter or order a list by. */
export function userConfigurationScalars(tenant: Tenant, u: User): Record<string, unknown> {
  const features: string[] = [];
  const plans = [...u.plans.values()]
    .filter((p) => p.capabilityStatus === "Enabled")
    .map((p) => p.servicePlanId);
  if (plans.includes("57ff2da0-773e-42df-b2af-ffb7a2317929")) features.push("Teams");
  if (plans.includes("0feaeb32-d00e-4d66-bd5a-43b5b83db82c")) features.push("AudioConferencing");
  if (plans.includes("4828c8ec-dc2e-4779-b502-87ac9ce28ab7")) features.push("PhoneSystem");
  if (plans.includes("f47330e9-c134-43b3-9993-e7f004506889")) features.push("VirtualUser");
  const accountType = u.teamsAccountType
    ? u.teamsAccountType
    : u.isResourceAccount
      ? "resourceAccount"
      : u.userType === "Guest"
        ? "guest"
        : features.length === 0
          ? "ineligibleUser"
          : "user";
  return {
    id: u.id,
    tenantId: tenant.id,
    userPrincipalName: u.userPrincipalName,
    createdDateTime: u.createdDateTime,
    modifiedDateTime: u.voice.modifiedDateTime,
    accountType,
    isEnterpriseVoiceEnabled: u.voice.enterpriseVoiceEnabled,
    featureTypes: features,
  };
}

/** An activated directory role in a tenant; its object id is derived from the tenant and template. */
export function directoryRoleEntity(tenant: Tenant, templateId: string): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.directoryRole",
    id: stableGuid(tenant.id, "directoryRole", templateId),
    deletedDateTime: null,
    description: `${roleDisplayName(templateId)} role`,
    displayName: roleDisplayName(templateId),
    roleTemplateId: templateId,
  };
}

export function licenseDetailsEntity(tenant: Tenant, u: User): Record<string, unknown>[] {
  return u.licenses.map((l) => {
    const sku = tenant.skus.find((s) => s.skuId === l.skuId);
    return {
      id: Buffer.from(`${u.id}|${l.skuId}`).toString("base64url"),
      skuId: l.skuId,
      skuPartNumber: sku?.skuPartNumber ?? null,
      servicePlans: (sku?.servicePlans ?? []).map((p) => ({
        appliesTo: "User",
        provisioningStatus: l.disabledPlans.includes(p.servicePlanId) ? "Disabled" : "Success",
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
      })),
    };
  });
}
