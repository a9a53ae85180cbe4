import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";
import { SignJWT } from "jose";
import type { AppCertificate, MicrosoftAppSettings } from "./settings.js";

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
  /** The app's credential for a token request it makes itself (the sign-in code redemption). */
  clientCredential(tokenUrl: string): Promise<Record<string, string>>;
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
    if (!s.clientId || (!s.clientSecret && !s.certificate)) throw new MicrosoftNotConfigured();
    const credential = s.certificate ? `cert:${s.certificate.thumbprintSha256}` : "secret";
    const key = `${s.loginUrl}|${s.clientId}|${credential}|${tenantId}`;
    let found = clients.get(key);
    if (!found) {
      const host = new URL(s.loginUrl).host;
      found = new ConfidentialClientApplication({
        auth: {
          clientId: s.clientId,
          ...(s.certificate
            ? {
                clientCertificate: {
                  thumbprintSha256: s.certificate.thumbprintSha256,
                  privateKey: s.certificate.privateKeyPem,
                  x5c: s.certificate.certificatePem,
                },
              }
            : { clientSecret: s.clientSecret ?? "" }),
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

  /**
   * Requests being made, per tenant, audience and refresh: callers that need the same token at once (a sync's
   * delta pages and its accountType list, a job's first calls) share one request to the identity platform
   * instead of each making their own (and its OpenID discovery).
   */
  const inFlight = new Map<string, Promise<string>>();

  async function acquire(tenantId: string, audience: Audience, forceRefresh: boolean): Promise<string> {
    const app = await client(tenantId);
    const result = await app.acquireTokenByClientCredential({
      scopes: [audience === "graph" ? GRAPH_SCOPE : TEAMS_ADMIN_SCOPE],
      skipCache: forceRefresh,
    });
    if (!result?.accessToken) throw new Error("The Microsoft identity platform returned no access token.");
    return result.accessToken;
  }

  return {
    get(tenantId, audience, options = {}) {
      const forceRefresh = Boolean(options.forceRefresh) || stale.delete(`${tenantId}|${audience}`);
      const key = `${tenantId}|${audience}|${forceRefresh}`;
      let request = inFlight.get(key);
      if (!request) {
        request = acquire(tenantId, audience, forceRefresh).finally(() => inFlight.delete(key));
        inFlight.set(key, request);
      }
      return request;
    },
    async clientCredential(tokenUrl): Promise<Record<string, string>> {
      const s = await settings();
      if (!s.clientId || (!s.clientSecret && !s.certificate)) throw new MicrosoftNotConfigured();
      if (!s.certificate) return { client_secret: s.clientSecret ?? "" };
      return {
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: await clientAssertion(s.clientId, s.certificate, tokenUrl),
      };
    },
    invalidate(tenantId) {
      stale.add(`${tenantId}|graph`);
      stale.add(`${tenantId}|teams-admin`);
    },
  };
}

/** A signed client assertion (RFC 7523) for the certificate credential, as Entra ID expects it. */
async function clientAssertion(
  clientId: string,
  certificate: AppCertificate,
  audience: string,
): Promise<string> {
  const der = new X509Certificate(certificate.certificatePem).raw;
  return new SignJWT({})
    .setProtectedHeader({
      alg: "PS256",
      typ: "JWT",
      "x5t#S256": createHash("sha256").update(der).digest("base64url"),
    })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime("10m")
    .sign(createPrivateKey(certificate.privateKeyPem));
}
