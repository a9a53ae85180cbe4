/**
 * What Sign in with Microsoft needs from Microsoft, defined here (account layer) and implemented by the
 * microsoft module's adapter (`microsoftSignInAdapter`), which the composition root injects.
 */
export interface MicrosoftSignInPort {
  /** Microsoft's authorize URL (authorization code flow with PKCE), or null without an app registration. */
  authorizeUrl(input: {
    redirectUri: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    prompt?: string;
  }): Promise<string | null>;
  /** Redeems the code and verifies the id token; throws `MicrosoftSignInError` when Microsoft's answer fails. */
  identify(input: {
    code: string;
    redirectUri: string;
    codeVerifier: string;
    nonce: string;
  }): Promise<MicrosoftPerson>;
  /** The enterprise account whose Microsoft 365 tenant this is (connected by admin consent), if any. */
  enterpriseOfTenant(tenantId: string): Promise<string | null>;
}

/** The person an id token names, as the portal uses it. */
export interface MicrosoftPerson {
  tenantId: string;
  objectId: string;
  /** `email`, else `preferred_username` (the UPN), lower-cased. */
  email: string;
  name: string;
  /** `wids`: the user's tenant-wide directory roles (role template ids). */
  directoryRoles: string[];
  /** `amr` contains `mfa`: Microsoft put the user through multifactor authentication for this sign-in. */
  mfa: boolean;
}

export class MicrosoftSignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MicrosoftSignInError";
  }
}

/** Directory role template id of Global Administrator (the same in every tenant). */
export const GLOBAL_ADMINISTRATOR_ROLE = "62e90394-69f5-4237-9190-012177145e10";
