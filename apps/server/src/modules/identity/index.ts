/**
 * The public surface of identity: the identity service (invitations, partners and the operator with their
 * first Admin, sign-in, users), what other modules may read about users, roles and permissions, sessions
 * (for the HTTP layer), the password-reset mail job, the demo operator and the routes.
 */
export { accountRoutes } from "./account-routes.js";
export { apiKeyResolver } from "./api-keys/authenticator.js";
export { authRoutes } from "./auth-routes.js";
export { DEMO_OPERATOR_EMAIL, ensureDemoOperator } from "./demo.js";
export type { MicrosoftSignInPort } from "./microsoft-sign-in-port.js";
// For the microsoft module's sign-in adapter and consent flow (onboarding layer).
export { type MicrosoftPerson, MicrosoftSignInError } from "./microsoft-sign-in-port.js";
export { microsoftSignInRoutes } from "./microsoft-sign-in-routes.js";
export { PASSWORD_RESET_MAIL_JOB, passwordResetMailJob } from "./password-reset.js";
export { hashPassword } from "./passwords.js";
export { type Permission, roleAllows } from "./policies.js";
export { normalizeEmail, userDirectory } from "./repository.js";
export type { PortalRole, PortalUser } from "./schema.js";
export {
  type IdentityDeps,
  type IdentityService,
  type InviteInput,
  identityService,
  publicUser,
} from "./service.js";
export { sessionRoutes } from "./session-routes.js";
export { SESSION_COOKIE, type SessionPolicy, type SessionStore, sessionStore } from "./sessions.js";
export { twoFactorRoutes } from "./two-factor-routes.js";
export { userRoutes } from "./user-routes.js";
export { portalUserView } from "./views.js";
