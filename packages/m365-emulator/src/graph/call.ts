import type { FastifyInstance, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context.js";
import type { EmulatorTokenClaims } from "../identity/tokens.js";
import type { Tenant } from "../state/model.js";
import { forbidden } from "./errors.js";

export interface GraphCall {
  ctx: EmulatorContext;
  app: FastifyInstance;
  req: FastifyRequest;
  tenant: Tenant;
  claims: EmulatorTokenClaims;
  method: string;
  /** Path after /v1.0, e.g. "/users/abc". */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** e.g. https://localhost:1234/graph/v1.0 */
  base: string;
}

export interface GraphResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type GraphHandler = (call: GraphCall) => GraphResult | Promise<GraphResult>;

export interface GraphRoute {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: GraphHandler;
}

/** `/users/{id}/assignLicense` → regex; `{id}` also matches OData key syntax `('id')` when written `({id})`. */
export function route(method: string, template: string, handler: GraphHandler): GraphRoute {
  const keys: string[] = [];
  const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, k: string) => {
    keys.push(k);
    return "'?([^/()']+)'?";
  });
  return { method, pattern: new RegExp(`^${source}$`, "i"), keys, handler };
}

/** Passes when the token carries any of the permissions (app roles for app tokens, scp for user tokens). */
export function requirePermission(call: GraphCall, ...anyOf: string[]): void {
  const granted =
    call.claims.idtyp === "app" ? (call.claims.roles ?? []) : (call.claims.scp ?? "").split(" ");
  if (!anyOf.some((p) => granted.includes(p))) throw forbidden();
  // Delegated writes act as the signed-in user: outside /me they need an administrator role.
  const delegatedWrite = call.claims.idtyp !== "app" && call.method !== "GET" && !call.path.startsWith("/me");
  if (delegatedWrite && (call.claims.wids ?? []).length === 0) throw forbidden();
}

export function hasPermission(call: GraphCall, ...anyOf: string[]): boolean {
  const granted =
    call.claims.idtyp === "app" ? (call.claims.roles ?? []) : (call.claims.scp ?? "").split(" ");
  return anyOf.some((p) => granted.includes(p));
}

export function objectBody(call: GraphCall): Record<string, unknown> {
  const b = call.body;
  if (b === undefined || b === null || b === "") return {};
  if (typeof b !== "object" || Array.isArray(b)) {
    throw Object.assign(new Error("Invalid JSON body."), { graph: true });
  }
  return b as Record<string, unknown>;
}

export function collection(
  call: GraphCall,
  contextPath: string,
  value: unknown[],
  extra: Record<string, unknown> = {},
) {
  // Control information before `value`, as Graph sends it ("Paging Microsoft Graph data in your app" and the
  // "user: delta" examples: @odata.context, @odata.count, @odata.nextLink, then value): a client may read the
  // next link before the page's items have arrived.
  return {
    "@odata.context": `${call.base}/$metadata#${contextPath}`,
    ...(extra["@odata.count"] !== undefined ? { "@odata.count": extra["@odata.count"] } : {}),
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "@odata.count")),
    value,
  };
}

export const READ_USERS = [
  "User.Read.All",
  "User.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
export const WRITE_USERS = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
