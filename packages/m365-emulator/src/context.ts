import type { FastifyRequest } from "fastify";
import type { SigningKey } from "./identity/keys.js";
import type { TokenService } from "./identity/tokens.js";
import type { RequestLogEntry } from "./state/model.js";
import type { EmulatorState } from "./state/store.js";

export interface EmulatorContext {
  state: EmulatorState;
  tokens: TokenService;
  signingKey: SigningKey;
  caCertPem: string;
}

export interface RequestContext {
  tenantId: string | null;
  clientId: string | null;
  surface: RequestLogEntry["surface"];
  startedAt: number;
  /** Body to record in the request log (secrets redacted). */
  logBody?: unknown;
}

declare module "fastify" {
  interface FastifyRequest {
    emu: RequestContext;
  }
}

/** The public base URL as the client addressed us, so links work for localhost and 127.0.0.1 alike. */
export function baseUrl(req: FastifyRequest): string {
  return `https://${req.headers.host ?? "localhost"}`;
}

export function hostOf(req: FastifyRequest): string {
  return req.headers.host ?? "localhost";
}
