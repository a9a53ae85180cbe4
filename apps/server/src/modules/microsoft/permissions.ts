/**
 * Every Microsoft Graph call the portal makes in a customer tenant, with the application permission it needs
 * (the least privileged one in each Graph reference page's Permissions table). The consent asks for exactly
 * these; docs/operations.md lists them and test/microsoft-permissions.test.ts keeps code, table and doc equal.
 */
export const GRAPH_CALLS: { call: string; path: RegExp; permission: string }[] = [
  { call: "GET /organization", path: /^\/organization$/, permission: "Organization.Read.All" },
  { call: "GET /subscribedSkus", path: /^\/subscribedSkus$/, permission: "Organization.Read.All" },
  {
    call: "GET|POST /roleManagement/directory/roleAssignments",
    path: /^\/roleManagement\/directory\/roleAssignments/,
    permission: "RoleManagement.ReadWrite.Directory",
  },
  {
    call: "GET|POST|DELETE /domains[/{id}[/verify|/verificationDnsRecords]]",
    path: /^\/domains/,
    permission: "Domain.ReadWrite.All",
  },
  {
    call: "GET|POST|DELETE /users[/{id}[/assignLicense]], GET /users/delta",
    path: /^\/users/,
    permission: "User.ReadWrite.All",
  },
  {
    call: "GET numberAssignments, POST assignNumber|unassignNumber, GET operations",
    path: /^(\$\{TNM\}|\/admin\/teams\/telephoneNumberManagement)\//,
    permission: "TeamsTelephoneNumber.ReadWrite.All",
  },
  {
    call: "GET /admin/teams/userConfigurations/{id} (and the list filtered by accountType, each sync round)",
    path: /^\/admin\/teams\/userConfigurations/,
    permission: "TeamsUserConfiguration.Read.All",
  },
  {
    call: "GET policy/getPolicyId, POST policy/userAssignments/assign|unassign",
    path: /^\/admin\/teams\/policy\//,
    permission: "TeamsPolicyUserAssign.ReadWrite.All",
  },
];

/** The application permissions to request (admin consent), derived from GRAPH_CALLS. */
export const APPLICATION_PERMISSIONS = [...new Set(GRAPH_CALLS.map((c) => c.permission))].sort();

/**
 * The directory role the app's service principal gets in each customer tenant: Teams PowerShell app-only needs
 * it ("Application-based authentication in Teams PowerShell Module").
 */
export const DIRECTORY_ROLE = {
  name: "Teams Administrator",
  id: "69091246-20e8-4a56-aa4d-066075b2a7a8",
} as const;
