import type { Tenant, User } from "../state/model.js";
import { addUser, assignLicense, deleteUser, findUser, patchUser, tenantNow } from "../state/users.js";
import {
  collection,
  type GraphCall,
  type GraphResult,
  objectBody,
  READ_USERS,
  requirePermission,
  route,
  WRITE_USERS,
} from "./call.js";
import {
  directoryRoleEntity,
  licenseDetailsEntity,
  USER_DEFAULT_SELECT,
  USER_PROPERTIES,
  userEntity,
} from "./entities.js";
import { badRequest, GraphHttpError, resourceNotFound, unsupportedQuery } from "./errors.js";
import { compileFilter } from "./odata-filter.js";
import { decodeToken, encodeToken, nextLink, paginate, parseSelect, project } from "./query.js";

const USER_TYPE = "microsoft.graph.user";
const ADVANCED_FEATURES = ["endswith", "ne", "not", "lambda:assignedPlans", "contains", "$count"];
const DELTA_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

function isEventual(call: GraphCall): boolean {
  return String(call.req.headers.consistencylevel ?? "").toLowerCase() === "eventual";
}

function contextFor(select: string[] | null, base = "users"): string {
  return select ? `${base}(${select.join(",")})` : base;
}

function present(tenant: Tenant, u: User, select: string[] | null): Record<string, unknown> {
  return project(userEntity(tenant, u, select ?? USER_DEFAULT_SELECT), select, USER_DEFAULT_SELECT);
}

function searchMatches(search: string, entity: Record<string, unknown>): boolean {
  const clauses = [...search.matchAll(/"([^":]+):([^"]*)"/g)];
  if (clauses.length === 0) throw badRequest('Invalid $search value. Use "property:value".');
  const or = /\bOR\b/.test(search);
  const test = (m: RegExpMatchArray) => {
    const v = entity[m[1] ?? ""];
    const needle = (m[2] ?? "").toLowerCase();
    return (
      typeof v === "string" &&
      v
        .toLowerCase()
        .split(/[\s.@_-]+/)
        .some((w) => w.startsWith(needle))
    );
  };
  return or ? clauses.some(test) : clauses.every(test);
}

/** Applies $filter, $search and $orderby with Graph's advanced-query rules. */
function queryUsers(call: GraphCall): User[] {
  const q = call.query;
  const eventual = isEventual(call);
  let users = [...call.tenant.users.values()];
  const filter = q.get("$filter");
  const search = q.get("$search");
  const orderby = q.get("$orderby");
  if (q.get("$count") === "true" && !eventual)
    throw unsupportedQuery("$count is not currently supported without ConsistencyLevel: eventual.");
  if (search && !eventual)
    throw unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  if (filter) {
    const f = compileFilter(filter, USER_TYPE);
    if (!eventual && ADVANCED_FEATURES.some((x) => f.features.has(x))) throw unsupportedQuery();
    if (!eventual && orderby) throw unsupportedQuery("Sorting not supported for current query.");
  }
  if (!filter && !search && !orderby) return users;
  // Paging re-runs the same query for every page; the result only changes when a user changes.
  let cache = queryCaches.get(call.tenant);
  if (!cache) {
    cache = new Map();
    queryCaches.set(call.tenant, cache);
  }
  const key = `${call.tenant.changeSeq}|${filter}|${search}|${orderby}`;
  const cached = cache.get(key);
  if (cached) return cached;
  if (filter) {
    const f = compileFilter(filter, USER_TYPE);
    users = users.filter((u) => f.test(userEntity(call.tenant, u)));
  }
  if (search) users = users.filter((u) => searchMatches(search, userEntity(call.tenant, u)));
  if (orderby) {
    const [prop = "", dir = "asc"] = orderby.trim().split(/\s+/);
    if (!["displayName", "userPrincipalName"].includes(prop))
      throw unsupportedQuery("Sorting not supported for current query.");
    const sign = dir.toLowerCase() === "desc" ? -1 : 1;
    users.sort(
      (a, b) => sign * String(a[prop as "displayName"]).localeCompare(String(b[prop as "displayName"])),
    );
  }
  cache.set(key, users);
  if (cache.size > 32) cache.delete(cache.keys().next().value ?? "");
  return users;
}

const queryCaches = new WeakMap<Tenant, Map<string, User[]>>();

function listUsers(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS);
  const select = parseSelect(call.query, USER_PROPERTIES, USER_TYPE);
  const users = queryUsers(call);
  const { page, nextOffset } = paginate(users, call.query, { def: 100, max: 999 });
  const extra: Record<string, unknown> = {};
  if (call.query.get("$count") === "true") extra["@odata.count"] = users.length;
  if (nextOffset !== null)
    extra["@odata.nextLink"] = nextLink(call.base, "/users", call.query, encodeToken({ o: nextOffset }));
  return {
    status: 200,
    body: collection(
      call,
      contextFor(select),
      page.map((u) => present(call.tenant, u, select)),
      extra,
    ),
  };
}

function countUsers(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS);
  if (!isEventual(call))
    throw unsupportedQuery("$count is not currently supported without ConsistencyLevel: eventual.");
  return { status: 200, body: String(queryUsers(call).length), headers: { "content-type": "text/plain" } };
}

function requireUserFrom(call: GraphCall): User {
  const id = decodeURIComponent(call.params.id ?? "");
  const u = findUser(call.tenant, id);
  if (!u) throw resourceNotFound(id);
  return u;
}

function getUser(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS);
  const select = parseSelect(call.query, USER_PROPERTIES, USER_TYPE);
  const u = requireUserFrom(call);
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#${contextFor(select)}/$entity`,
      ...present(call.tenant, u, select),
    },
  };
}

function me(call: GraphCall): GraphResult {
  if (call.claims.idtyp === "app") {
    throw new GraphHttpError(
      400,
      "BadRequest",
      "/me request is only valid with delegated authentication flow.",
    );
  }
  requirePermission(call, "User.Read", ...READ_USERS);
  const u = call.tenant.users.get(call.claims.oid ?? "");
  if (!u) throw resourceNotFound(call.claims.oid ?? "me");
  const select = parseSelect(call.query, USER_PROPERTIES, USER_TYPE);
  return {
    status: 200,
    body: { "@odata.context": `${call.base}/$metadata#users/$entity`, ...present(call.tenant, u, select) },
  };
}

function createUser(call: GraphCall): GraphResult {
  requirePermission(call, ...WRITE_USERS);
  const b = objectBody(call);
  for (const k of ["accountEnabled", "displayName", "mailNickname", "userPrincipalName"]) {
    if (b[k] === undefined || b[k] === null || b[k] === "") {
      throw badRequest(`Property '${k}' value is required but is empty or missing.`);
    }
  }
  const pw = (b.passwordProfile as { password?: unknown } | undefined)?.password;
  if (typeof pw !== "string" || pw.length === 0) {
    throw badRequest("Property 'passwordProfile' value is required but is empty or missing.");
  }
  if (typeof b.usageLocation === "string" && !/^[A-Z]{2}$/.test(b.usageLocation)) {
    throw badRequest("Invalid value specified for property 'usageLocation' of resource 'User'.");
  }
  const u = addUser(call.tenant, {
    userPrincipalName: String(b.userPrincipalName),
    displayName: String(b.displayName),
    mailNickname: String(b.mailNickname),
    accountEnabled: b.accountEnabled === true,
    password: pw,
    givenName: (b.givenName as string | undefined) ?? null,
    surname: (b.surname as string | undefined) ?? null,
    jobTitle: (b.jobTitle as string | undefined) ?? null,
    department: (b.department as string | undefined) ?? null,
    usageLocation: (b.usageLocation as string | undefined) ?? null,
  });
  return {
    status: 201,
    body: { "@odata.context": `${call.base}/$metadata#users/$entity`, ...present(call.tenant, u, null) },
  };
}

function updateUser(call: GraphCall): GraphResult {
  requirePermission(call, ...WRITE_USERS);
  patchUser(call.tenant, requireUserFrom(call), objectBody(call));
  return { status: 204 };
}

function removeUser(call: GraphCall): GraphResult {
  requirePermission(call, ...WRITE_USERS);
  deleteUser(call.tenant, requireUserFrom(call));
  return { status: 204 };
}

function licenseUser(call: GraphCall): GraphResult {
  requirePermission(call, ...WRITE_USERS);
  const u = requireUserFrom(call);
  const b = objectBody(call);
  const add = b.addLicenses;
  const remove = b.removeLicenses;
  if (!Array.isArray(add) || !Array.isArray(remove)) {
    throw badRequest(
      "Both 'addLicenses' and 'removeLicenses' are required; send an empty array when not used.",
    );
  }
  assignLicense(call.tenant, u, {
    addLicenses: add.map((a: { skuId?: unknown; disabledPlans?: unknown }) => {
      if (typeof a?.skuId !== "string") throw badRequest("Invalid value specified for property 'skuId'.");
      return {
        skuId: a.skuId,
        disabledPlans: Array.isArray(a.disabledPlans) ? a.disabledPlans.map(String) : [],
      };
    }),
    removeLicenses: remove.map(String).map((s) => s.toLowerCase()),
  });
  return {
    status: 200,
    body: { "@odata.context": `${call.base}/$metadata#users/$entity`, ...present(call.tenant, u, null) },
  };
}

interface DeltaSkip {
  /** The state generation the round started in (EmulatorState.generation). */
  g?: string;
  p: "i" | "c";
  o: number;
  /** Initial round: the last object id served (pages follow object ids, so a change mid-round shifts nothing). */
  after?: string;
  s: number;
  from?: number;
  sel: string | null;
  ids?: string[];
}
interface DeltaToken {
  g?: string;
  s: number;
  sel: string | null;
  t: number;
  ids?: string[];
}

function deltaPageSize(call: GraphCall): number {
  const prefer = String(call.req.headers.prefer ?? "");
  const m = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  const n = m ? Number(m[1]) : Number(call.query.get("$top") ?? 100);
  // Microsoft may serve fewer items per page than asked (faults.maxPageSize caps it, e.g. many small pages).
  const cap = call.ctx.state.faults.config.maxPageSize || 999;
  return Math.min(Math.max(1, n || 100), 999, cap);
}

/** The tenant's user ids in order, rebuilt only when the directory changed (initial delta rounds page by it). */
const sortedIds = new WeakMap<Tenant, { seq: number; size: number; ids: string[] }>();
function userIdsInOrder(tenant: Tenant): string[] {
  const cached = sortedIds.get(tenant);
  if (cached && cached.seq === tenant.changeSeq && cached.size === tenant.users.size) return cached.ids;
  const ids = [...tenant.users.keys()].sort();
  sortedIds.set(tenant, { seq: tenant.changeSeq, size: tenant.users.size, ids });
  return ids;
}

/** Index of the first id after `after` in sorted `ids`. */
function firstAfter(ids: string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ids[mid] ?? "") <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function deltaLinkFor(call: GraphCall, token: DeltaToken): string {
  return `${call.base}/users/delta?$deltatoken=${encodeToken(token)}`;
}

/**
 * The tenant's state was reset (scenario reload, `POST /_emulator/reset`) or the emulator started afresh, so links
 * from before cannot be continued. "Use delta query to track changes in Microsoft Graph data" (learn.microsoft.com/
 * graph/delta-query-overview, "Synchronization reset"): delta query "can return a response code of 410 (gone) and a
 * Location header containing a request URL with an empty $deltaToken (same as the initial query)", meaning the
 * application must restart with a full synchronization. The error code and message are the ones Microsoft gives for
 * a sync state it no longer has (syncStateNotFound; "Duration of change tracking tokens for identity and education
 * resources", Microsoft 365 Developer Blog).
 */
function syncReset(call: GraphCall, select: string | null | undefined): GraphHttpError {
  const initial = select ? `?$select=${encodeURIComponent(select)}` : "";
  return new GraphHttpError(
    410,
    "syncStateNotFound",
    "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
    { location: `${call.base}/users/delta${initial}` },
  );
}

function delta(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS);
  const q = call.query;
  const tenant = call.tenant;
  const size = deltaPageSize(call);
  let state: DeltaSkip;
  const skip = q.get("$skiptoken");
  const dtok = q.get("$deltatoken");
  const generation = call.ctx.state.generation;
  if (skip) {
    state = decodeToken<DeltaSkip>(skip);
    if (state.g !== generation) throw syncReset(call, state.sel);
  } else if (dtok) {
    const t = decodeToken<DeltaToken>(dtok, "$deltatoken");
    if (t.g !== generation || t.s > tenant.changeSeq) throw syncReset(call, t.sel);
    if (tenantNow(tenant) - t.t > DELTA_TOKEN_TTL_MS) {
      throw new GraphHttpError(
        410,
        "syncStateNotFound",
        "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
      );
    }
    state = { g: generation, p: "c", o: 0, s: tenant.changeSeq, from: t.s, sel: t.sel, ids: t.ids };
  } else {
    const sel = q.get("$select");
    parseSelect(q, USER_PROPERTIES, USER_TYPE);
    let ids: string[] | undefined;
    if (q.get("$filter")) {
      const f = q.get("$filter") ?? "";
      if (!/^\s*id eq '[^']+'(\s+or\s+id eq '[^']+')*\s*$/i.test(f)) {
        throw unsupportedQuery("Only 'id eq' filters are supported on users/delta.");
      }
      ids = [...f.matchAll(/id eq '([^']+)'/gi)].map((m) => (m[1] ?? "").toLowerCase());
      if (ids.length > 50) throw badRequest("At most 50 ids can be filtered on users/delta.");
    }
    state = { g: generation, p: "i", o: 0, s: tenant.changeSeq, sel, ids };
  }
  const select = state.sel
    ? parseSelect(new URLSearchParams({ $select: state.sel }), USER_PROPERTIES, USER_TYPE)
    : null;
  let items: Record<string, unknown>[];
  let total: number;
  let after: string | undefined;
  if (state.p === "i" && state.ids) {
    const users = state.ids.flatMap((id) => tenant.users.get(id) ?? []);
    total = users.length;
    items = users.slice(state.o, state.o + size).map((u) => present(tenant, u, select));
  } else if (state.p === "i") {
    // By object id from the last one served: users created or deleted mid-round shift no page, so nobody
    // present is skipped (what changed during the round comes with the next round, from the change log).
    const ids = userIdsInOrder(tenant);
    const start = state.after === undefined ? 0 : firstAfter(ids, state.after);
    const page = ids.slice(start, start + size);
    after = page.at(-1) ?? state.after;
    total = state.o + (ids.length - start);
    items = page.flatMap((id) => {
      const u = tenant.users.get(id);
      return u ? [present(tenant, u, select)] : [];
    });
  } else {
    const latest = new Map<string, "changed" | "deleted" | null>();
    for (const c of tenant.changes) {
      if (c.seq > (state.from ?? 0) && c.seq <= state.s && (!state.ids || state.ids.includes(c.userId))) {
        latest.delete(c.userId);
        latest.set(c.userId, c.removed);
      }
    }
    const entries = [...latest.entries()];
    total = entries.length;
    items = entries.slice(state.o, state.o + size).map(([id, removed]) => {
      const u = tenant.users.get(id);
      if (u && !removed) return present(tenant, u, select);
      return { id, "@removed": { reason: removed ?? "deleted" } };
    });
  }
  // The link before `value`, as in the "user: delta" response examples (see collection()).
  const link =
    state.o + size < total
      ? {
          "@odata.nextLink": `${call.base}/users/delta?$skiptoken=${encodeToken({ ...state, o: state.o + size, ...(after === undefined ? {} : { after }) })}`,
        }
      : {
          "@odata.deltaLink": deltaLinkFor(call, {
            g: generation,
            s: state.s,
            sel: state.sel,
            t: tenantNow(tenant),
            ids: state.ids,
          }),
        };
  const body: Record<string, unknown> = {
    "@odata.context": `${call.base}/$metadata#${contextFor(select)}`,
    ...link,
    value: items,
  };
  return { status: 200, body };
}

function memberOf(call: GraphCall, user: User): GraphResult {
  const roles = call.ctx.state.directoryRolesOf(call.tenant, user.id);
  const items = roles.map((r) => directoryRoleEntity(call.tenant, r));
  return { status: 200, body: collection(call, "directoryObjects", items) };
}

function myMemberOf(call: GraphCall): GraphResult {
  if (call.claims.idtyp === "app") {
    throw new GraphHttpError(
      400,
      "BadRequest",
      "/me request is only valid with delegated authentication flow.",
    );
  }
  requirePermission(call, "User.Read", ...READ_USERS, "GroupMember.Read.All");
  const u = call.tenant.users.get(call.claims.oid ?? "");
  if (!u) throw resourceNotFound(call.claims.oid ?? "me");
  return memberOf(call, u);
}

function userMemberOf(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS, "GroupMember.Read.All");
  return memberOf(call, requireUserFrom(call));
}

function licenseDetails(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_USERS, "LicenseAssignment.Read.All");
  const u = requireUserFrom(call);
  return {
    status: 200,
    body: collection(call, `users('${u.id}')/licenseDetails`, licenseDetailsEntity(call.tenant, u)),
  };
}

export const userRoutes = [
  route("GET", "/users/{id}/licenseDetails", licenseDetails),
  route("GET", "/me/memberOf", myMemberOf),
  route("GET", "/users/{id}/memberOf", userMemberOf),
  route("GET", "/users", listUsers),
  route("GET", "/users/$count", countUsers),
  route("GET", "/users/delta", delta),
  route("GET", "/users/delta()", delta),
  route("POST", "/users", createUser),
  route("GET", "/me", me),
  route("GET", "/users/{id}", getUser),
  route("PATCH", "/users/{id}", updateUser),
  route("DELETE", "/users/{id}", removeUser),
  route("POST", "/users/{id}/assignLicense", licenseUser),
  route("POST", "/users/{id}/microsoft.graph.assignLicense", licenseUser),
];
