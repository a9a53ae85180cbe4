/**
 * The microsoft module's public surface: the Microsoft port (one way to Graph, the identity platform and Teams
 * PowerShell), the one classification of Microsoft failures, and the customer's consent (connection) services.
 * Onboarding order: it may import operator-settings and enterprises (and the account layer), never trunks'
 * or direct-routing-setup's; what follows a consent is announced through `ConsentHooks`.
 */

export { MicrosoftApiError } from "./api-client.js";
export { ConsentFailure, startConsent } from "./consent-flow.js";
export { startBuiltInEmulator } from "./emulator.js";
export {
  classifyMicrosoftFailure,
  isDomainNotActivated,
  isTeamsAdminNotAuthorized,
  isTeamsProvisioningPending,
  MICROSOFT_WAITS,
  type MicrosoftFailure,
  type MicrosoftWait,
  nextCheckAt,
  WaitingForMicrosoft,
} from "./failures.js";
export {
  type GraphClient,
  type GraphSku,
  type GraphUser,
  includesTeams,
  TEAMS_ADMINISTRATOR_ROLE,
  TEAMS_SERVICE_PLAN_ID,
} from "./graph-client.js";
export { microsoftSignInAdapter } from "./oidc-sign-in.js";
export { APPLICATION_PERMISSIONS, DIRECTORY_ROLE } from "./permissions.js";
export {
  createMicrosoftPort,
  type MicrosoftPort,
  type MicrosoftTenant,
  type TeamsPowerShell,
  type TenantClientOptions,
} from "./port.js";
export type { ConnectionState } from "./repository.js";
export { type ConsentHooks, type MicrosoftRoutesDeps, microsoftRoutes } from "./routes.js";
export type { MicrosoftDeps } from "./runtime.js";
export type { MicrosoftConnection } from "./schema.js";
export {
  connectedTenant,
  connectFromAuthorizationRequest,
  connectionStatesOf,
  countConnectedTenants,
  disconnect,
  findConnection,
  LINK_UNUSABLE,
  requestTenantReplacement,
  sendAuthorizationRequest,
} from "./service.js";
export type { AppCertificate, MicrosoftAppSettings } from "./settings.js";
export { resolvePwshPath, standInEnvironment } from "./teams-powershell/pwsh-path.js";
export { PowerShellError, type PsParameters, type TeamsCmdlet } from "./teams-powershell/runner.js";
export type { ConfigurationObject, TeamsConfiguration } from "./teams-powershell/teams-config.js";
export {
  type DeltaPage,
  type DeltaUser,
  type NumberAssignmentInfo,
  TEAMS_PHONE_PLAN_ID,
  TEAMS_PHONE_VIRTUAL_USER_PLAN_ID,
  type TeamsVoiceOptions,
  type UserVoiceState,
  type VoiceApi,
} from "./teams-voice.js";
export { MicrosoftNotConfigured } from "./tokens.js";
export { trustExtraCa } from "./trust.js";
export { waitingForMicrosoftView } from "./waiting-view.js";
