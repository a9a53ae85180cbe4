import { createRemoteJWKSet, decodeJwt } from "jose";
import type { Logger } from "pino";
import type { ApiClientOptions } from "./api-client.js";
import { type GraphClient, graphClient, TEAMS_ADMINISTRATOR_ROLE } from "./graph-client.js";
import type { MicrosoftAppSettings } from "./settings.js";
import { createPowerShellPool, type PsParameters, type TeamsCmdlet } from "./teams-powershell/runner.js";
import { type TeamsConfiguration, teamsConfiguration } from "./teams-powershell/teams-config.js";
import { type PolicyIdCache, type TeamsVoiceOptions, teamsVoice, type VoiceApi } from "./teams-voice.js";
import { type Audience, createTokenProvider, type TokenProvider } from "./tokens.js";

/**
 * The one way to Microsoft: Graph v1.0 and the identity platform over HTTP, and the documented MicrosoftTeams
 * cmdlets in the long-lived PowerShell runner. Built once per process by the composition root
 * (`runtime/container.ts`) and injected into consent, setup, sync, provisioning and the health check.
 */
export interface MicrosoftPort {
  /** The app registration and endpoints in effect (read through `settings`, cached 5 s). */
  settings(): Promise<MicrosoftAppSettings>;
  /** App-only tokens per tenant, and the app's credential for the code redemptions it makes itself. */
  readonly tokens: TokenProvider;
  /** Microsoft's published signing keys (JWKS) for id tokens, fetched and cached per URL. */
  signingKeys(jwksUrl: string): ReturnType<typeof createRemoteJWKSet>;
  /** The client for one customer tenant. Its calls throw `MicrosoftNotConfigured` without an app registration. */
  tenant(tenantId: string, options?: TenantClientOptions): Promise<MicrosoftTenant>;
  /** Forgets the cached settings (after the operator changed them). */
  reset(): void;
  /** Stops the PowerShell processes. */
  close(): Promise<void>;
}

export interface TenantClientOptions extends TeamsVoiceOptions {
  /** Attempts for 5xx and network errors (Graph). */
  attempts?: number;
}

export interface TeamsPowerShell extends TeamsConfiguration {
  /** Runs one allow-listed MicrosoftTeams cmdlet in the tenant, its parameters passed as data. */
  run(cmdlet: TeamsCmdlet, parameters?: PsParameters): Promise<unknown>;
}

export interface MicrosoftTenant {
  readonly tenantId: string;
  /** Graph v1.0: directory, domains, licences, role assignments; `voice`: numbers, policies, users delta. */
  readonly graph: GraphClient & { readonly voice: VoiceApi };
  /** Tenant voice configuration through the MicrosoftTeams cmdlets. */
  readonly teamsPowerShell: TeamsPowerShell;
  readonly identity: TenantIdentity;
}

export interface TenantIdentity {
  /** The claims of the app's current app-only token for the tenant (`roles`, `wids`, `oid`). */
  appTokenClaims(audience?: Audience): Promise<{ oid?: string; roles?: string[]; wids?: string[] }>;
  /** Makes the next calls fetch fresh tokens (after a directory role assignment, while it propagates). */
  refreshTokens(): void;
  /**
   * Gives the app's own service principal the Teams Administrator role unless it holds it. `null` when the app
   * has no service principal in the tenant (no admin consent yet).
   */
  ensureTeamsAdministratorRole(): Promise<{ servicePrincipalId: string; assignedNow: boolean } | null>;
}

export interface MicrosoftPortOptions {
  /** Reads the app registration in effect (the composition root passes Operator settings over the environment). */
  readSettings(): Promise<MicrosoftAppSettings>;
  log: Logger;
  /** `pwsh` with the MicrosoftTeams module, or the emulator's stand-in. */
  pwshPath: string;
  /** Extra environment for new PowerShell processes. */
  pwshEnvironment?(settings: MicrosoftAppSettings): Promise<Record<string, string>>;
  settingsCacheMs?: number;
}

export function createMicrosoftPort(options: MicrosoftPortOptions): MicrosoftPort {
  const cacheMs = options.settingsCacheMs ?? 5000;
  let cached: { at: number; value: Promise<MicrosoftAppSettings> } | null = null;
  const settings = () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const value = options.readSettings();
      cached = { at: Date.now(), value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  };
  const tokens = createTokenProvider(settings);
  const powershell = createPowerShellPool({
    pwshPath: options.pwshPath,
    tokens,
    log: options.log,
    env: async () => (await options.pwshEnvironment?.(await settings())) ?? {},
  });
  const policyIds: PolicyIdCache = new Map();
  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  async function tenant(tenantId: string, clientOptions: TenantClientOptions = {}): Promise<MicrosoftTenant> {
    const s = await settings();
    const graphOptions: Partial<ApiClientOptions> = {
      signal: clientOptions.signal,
      ...(clientOptions.maxInlineWaitSeconds === undefined
        ? {}
        : { maxInlineWaitSeconds: clientOptions.maxInlineWaitSeconds }),
      ...(clientOptions.attempts === undefined ? {} : { attempts: clientOptions.attempts }),
    };
    const directory = graphClient(s, tokens, tenantId, graphOptions);
    const voice = teamsVoice({ baseUrl: `${s.graphUrl}/v1.0`, tenantId, tokens, policyIds }, clientOptions);
    const identity: TenantIdentity = {
      async appTokenClaims(audience = "graph") {
        return decodeJwt(await tokens.get(tenantId, audience));
      },
      refreshTokens: () => tokens.invalidate(tenantId),
      async ensureTeamsAdministratorRole() {
        const servicePrincipalId = await directory.ownServicePrincipalId();
        if (!servicePrincipalId) return null;
        const held = await directory.roleAssignments(servicePrincipalId);
        if (held.some((r) => r.roleDefinitionId === TEAMS_ADMINISTRATOR_ROLE))
          return { servicePrincipalId, assignedNow: false };
        await directory.assignDirectoryRole(servicePrincipalId, TEAMS_ADMINISTRATOR_ROLE);
        // Tokens issued before the assignment do not carry the role.
        tokens.invalidate(tenantId);
        return { servicePrincipalId, assignedNow: true };
      },
    };
    return {
      tenantId,
      graph: { ...directory, voice },
      teamsPowerShell: {
        ...teamsConfiguration(powershell, tenantId),
        run: (cmdlet, parameters) => powershell.run(tenantId, cmdlet, parameters),
      },
      identity,
    };
  }

  return {
    settings,
    tokens,
    signingKeys(jwksUrl) {
      let found = jwks.get(jwksUrl);
      if (!found) {
        found = createRemoteJWKSet(new URL(jwksUrl));
        jwks.set(jwksUrl, found);
      }
      return found;
    },
    tenant,
    reset: () => {
      cached = null;
    },
    close: () => powershell.close(),
  };
}
