/** In-memory model of the Microsoft 365 tenants the emulator serves. */

export interface ServicePlanRef {
  servicePlanId: string;
  servicePlanName: string;
  service: string;
}

export interface TenantSku {
  skuId: string;
  skuPartNumber: string;
  units: number;
  capabilityStatus: "Enabled" | "Warning" | "Suspended" | "Deleted" | "LockedOut";
  subscriptionId: string;
  servicePlans: ServicePlanRef[];
}

export interface Domain {
  id: string;
  isVerified: boolean;
  isDefault: boolean;
  isInitial: boolean;
  authenticationType: "Managed" | "Federated";
  supportedServices: string[];
  /** The `MS=ms12345678` TXT value Microsoft asks the owner to publish. */
  verificationCode: string;
  createdAt: number;
}

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
  assignedDateTime: string;
}

export interface PlanState {
  servicePlanId: string;
  service: string;
  capabilityStatus: "Enabled" | "Deleted" | "Suspended";
  assignedDateTime: string;
}

export interface VoicemailSettings {
  VoicemailEnabled: boolean;
  PromptLanguage: string;
  CallAnswerRule: string;
  TransferTarget: string | null;
  OofGreetingEnabled: boolean;
  OofGreetingFollowAutomaticRepliesEnabled: boolean;
  OofGreetingFollowCalendarEnabled: boolean;
  ShareData: boolean;
  DefaultGreetingPromptOverwrite: string | null;
  DefaultOofGreetingPromptOverwrite: string | null;
}

export interface UserVoice {
  enterpriseVoiceEnabled: boolean;
  /** policyType → policy name (bare, without `Tag:`). */
  policies: Record<string, string>;
  voicemail: VoicemailSettings;
  modifiedDateTime: string;
}

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  accountEnabled: boolean;
  usageLocation: string | null;
  userType: "Member" | "Guest";
  password: string;
  createdDateTime: string;
  licenses: AssignedLicense[];
  /** servicePlanId → state; plans stay with capabilityStatus "Deleted" after a licence is removed. */
  plans: Map<string, PlanState>;
  directoryRoles: string[];
  isResourceAccount: boolean;
  /**
   * Graph teamsUserConfiguration.accountType when it is not derived from licences: `sfbOnPremUser` (homed in
   * Skype for Business Server on premises) or `ineligibleUser` (learn.microsoft.com/graph/api/resources/
   * teamsadministration-teamsuserconfiguration).
   */
  teamsAccountType?: "sfbOnPremUser" | "ineligibleUser";
  voice: UserVoice;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  publisherName: string;
  appOwnerOrganizationId: string | null;
  /** Application permissions granted by admin consent (names, e.g. "User.Read.All"). */
  grantedAppRoles: string[];
  /** Delegated scopes consented for all users by an admin. */
  adminConsentedScopes: string[];
  /** userId → delegated scopes the user consented to. */
  userConsentedScopes: Map<string, string[]>;
  appRoles: { id: string; value: string; displayName: string }[];
  createdDateTime: string;
  consentedAt: number | null;
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /** Tenant clock (ms) from which new app-only tokens carry the role (`wids`); see EmulatorState.assignDirectoryRole. */
  effectiveFromMs: number;
}

export interface NumberAssignment {
  id: string;
  telephoneNumber: string;
  numberType: "directRouting" | "callingPlan" | "operatorConnect" | "internalError";
  activationState: "activated" | "assignmentPending" | "assignmentFailed" | "updatePending" | "updateFailed";
  assignmentStatus:
    | "unassigned"
    | "userAssigned"
    | "conferenceAssigned"
    | "voiceApplicationAssigned"
    | "thirdPartyAppAssigned"
    | "policyAssigned"
    | "internalError";
  assignmentCategory: "primary" | "private" | "alternate" | null;
  assignmentTargetId: string | null;
  capabilities: string[];
  city: string | null;
  civicAddressId: string | null;
  isoCountryCode: string | null;
  locationId: string | null;
  networkSiteId: string | null;
  numberSource: "online" | "onPremises";
  operatorId: string;
  portInStatus: "completed" | "firmOrderCommitmentAccepted" | null;
  reverseNumberLookupOptions: string[];
  supportedCustomerActions: string[];
}

export interface NumberOperationRequest {
  kind: "assign" | "unassign";
  telephoneNumber: string;
  numberType: NumberAssignment["numberType"];
  assignmentTargetId?: string;
  assignmentCategory?: "primary" | "private" | "alternate";
  locationId?: string | null;
}

export interface NumberOperation {
  id: string;
  createdDateTime: string;
  createdAt: number;
  dueAt: number;
  status: "notStarted" | "running" | "succeeded" | "failed";
  request: NumberOperationRequest;
  statusDetail: string | null;
}

/** A Teams voice configuration object, PascalCase properties as the cmdlets use them. */
export type VoiceObject = { Identity: string } & Record<string, unknown>;

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  durationMs: number;
  clientId: string | null;
  surface: "login" | "graph" | "teams-admin" | "pwsh" | "other";
}

export interface UserChange {
  seq: number;
  userId: string;
  removed: "changed" | "deleted" | null;
}

export interface Tenant {
  id: string;
  name: string;
  displayName: string;
  countryLetterCode: string;
  defaultUsageLocation: string | null;
  createdDateTime: string;
  domains: Map<string, Domain>;
  skus: TenantSku[];
  users: Map<string, User>;
  usersByUpn: Map<string, string>;
  deletedUsers: Map<string, User>;
  servicePrincipals: Map<string, ServicePrincipal>;
  roleAssignments: Map<string, RoleAssignment>;
  numbers: Map<string, NumberAssignment>;
  operations: Map<string, NumberOperation>;
  /** Teams voice configuration: type → identity (lower-case, bare) → object. */
  voice: Map<string, Map<string, VoiceObject>>;
  tenantPolicies: Record<string, string>;
  /** Grant-Cs* -Group: `<policy type>|<group id>` → the assignment. */
  groupPolicyAssignments: Record<
    string,
    { policyType: string; groupId: string; policyName: string; rank: number }
  >;
  clockOffsetMs: number;
  changeSeq: number;
  changes: UserChange[];
  requestLog: RequestLogEntry[];
  dnsTxt: Map<string, string[]>;
}

export interface AppRegistration {
  clientId: string;
  displayName: string;
  publisher: string;
  homeTenantId: string | null;
  secrets: string[];
  certificates: string[];
  redirectUris: string[];
  /** Graph application permissions requested (names). */
  applicationPermissions: string[];
  /** Delegated scopes requested statically (names). */
  delegatedPermissions: string[];
  isPublicClient: boolean;
}
