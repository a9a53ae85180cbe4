import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";
import type { MicrosoftAppSettings } from "../operator-settings/service.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/** "Skype and Teams Tenant Admin API", the same GUID in every cloud. */
export const TEAMS_ADMIN_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default";
export type Audience = "graph" | "teams-admin";

export class MicrosoftNotConfigured extends Error {
  constructor() {
    super(
      "The Microsoft app registration is not configured (client id and secret). Set it in Operator settings.",
    );
    this.name = "MicrosoftNotConfigured";
  }
}

export interface TokenProvider {
  /** An app-only token for the tenant; cached by msal-node until shortly before it expires. */
  get(tenantId: string, audience: Audience, options?: { forceRefresh?: boolean }): Promise<string>;
  /** Drops cached tokens of a tenant (e.g. after a directory role was assigned, so the next token carries it). */
  invalidate(tenantId: string): void;
}

const MICROSOFT_HOSTS = new Set(["login.microsoftonline.com", "login.microsoft.com", "login.windows.net"]);

/**
 * Client-credentials tokens per customer tenant, through one msal-node ConfidentialClientApplication
 * per (tenant, app). Secrets are passed in from the (sealed) operator settings, never logged.
 */
export function createTokenProvider(settings: () => Promise<MicrosoftAppSettings>): TokenProvider {
  const clients = new Map<string, ConfidentialClientApplication>();
  const stale = new Set<string>();

  async function client(tenantId: string): Promise<ConfidentialClientApplication> {
    const s = await settings();
    if (!s.clientId || !s.clientSecret) throw new MicrosoftNotConfigured();
    const key = `${s.loginUrl}|${s.clientId}|${tenantId}`;
    let found = clients.get(key);
    if (!found) {
      const host = new URL(s.loginUrl).host;
      found = new ConfidentialClientApplication({
        auth: {
          clientId: s.clientId,
          clientSecret: s.clientSecret,
          authority: `${s.loginUrl}/${tenantId}`,
          ...(MICROSOFT_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
        },
        system: {
          loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
        },
      });
      clients.set(key, found);
    }
    return found;
  }

  return {
    async get(tenantId, audience, options = {}) {
      const app = await client(tenantId);
      const forceRefresh = options.forceRefresh || stale.delete(`${tenantId}|${audience}`);
      const result = await app.acquireTokenByClientCredential({
        scopes: [audience === "graph" ? GRAPH_SCOPE : TEAMS_ADMIN_SCOPE],
        skipCache: forceRefresh,
      });
      if (!result?.accessToken) throw new Error("The Microsoft identity platform returned no access token.");
      return result.accessToken;
    },
    invalidate(tenantId) {
      stale.add(`${tenantId}|graph`);
      stale.add(`${tenantId}|teams-admin`);
    },
  };
}
