import { badRequest } from "./errors.js";

export interface PageRequest {
  top: number;
  offset: number;
}

export function encodeToken(data: unknown): string {
  return Buffer.from(JSON.stringify(data), "utf8").toString("base64url");
}

export function decodeToken<T>(token: string, what = "$skiptoken"): T {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as T;
  } catch {
    throw badRequest(`Invalid ${what} value.`);
  }
}

export function parseTop(query: URLSearchParams, def: number, max: number): number {
  const raw = query.get("$top");
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

export function parseSelect(
  query: URLSearchParams,
  allowed: readonly string[],
  typeName: string,
): string[] | null {
  const raw = query.get("$select");
  if (!raw) return null;
  const out: string[] = [];
  for (const name of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!match) throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
    out.push(match);
  }
  return out;
}

export function project(
  obj: Record<string, unknown>,
  select: string[] | null,
  defaults?: readonly string[],
): Record<string, unknown> {
  const keys = select ?? defaults;
  if (!keys) return obj;
  const out: Record<string, unknown> = {};
  if ("@odata.type" in obj && select === null) out["@odata.type"] = obj["@odata.type"];
  for (const k of keys) out[k] = k in obj ? obj[k] : null;
  if (!("id" in out) && "id" in obj) out.id = obj.id;
  return out;
}

/** Builds `@odata.nextLink` from the current URL, replacing `$skiptoken`. */
export function nextLink(base: string, path: string, query: URLSearchParams, token: string): string {
  const q = new URLSearchParams(query);
  q.delete("$skiptoken");
  q.delete("$skip");
  q.set("$skiptoken", token);
  return `${base}${path}?${q.toString().replace(/%24/g, "$")}`;
}

export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  opts: { def: number; max: number; allowSkip?: boolean },
): { page: T[]; nextOffset: number | null } {
  const top = parseTop(query, opts.def, opts.max);
  let offset = 0;
  const skiptoken = query.get("$skiptoken");
  if (skiptoken) offset = decodeToken<{ o: number }>(skiptoken).o;
  const skip = query.get("$skip");
  if (skip !== null) {
    if (!opts.allowSkip)
      throw badRequest("'$skip' is not supported by this API.", "Request_UnsupportedQuery");
    const n = Number(skip);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid $skip value '${skip}'.`);
    if (!skiptoken) offset = n;
  }
  const page = items.slice(offset, offset + top);
  return { page, nextOffset: offset + top < items.length ? offset + top : null };
}
