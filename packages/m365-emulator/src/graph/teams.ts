import { randomUUID } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import { PLAN } from "../state/catalog.js";
import { findNumberById, settleOperations, startNumberOperation, updateNumber } from "../state/numbers.js";
import { findUser, tenantNow } from "../state/users.js";
import {
  bareIdentity,
  findPolicyById,
  GRAPH_ASSIGNABLE_POLICY_TYPES,
  grantPolicy,
  policyId,
  voiceTypeSpec,
} from "../state/voice.js";
import {
  collection,
  type GraphCall,
  type GraphResult,
  objectBody,
  requirePermission,
  route,
} from "./call.js";
import {
  numberAssignmentEntity,
  operationEntity,
  USER_DEFAULT_SELECT,
  userConfigurationEntity,
  userConfigurationScalars,
  userEntity,
} from "./entities.js";
import { badRequest, resourceNotFound } from "./errors.js";
import { compileFilter } from "./odata-filter.js";
import { decodeToken, encodeToken, nextLink, paginate, parseSelect, project } from "./query.js";

const TNM = "/admin/teams/telephoneNumberManagement";
const READ_NUMBERS = ["TeamsTelephoneNumber.Read.All", "TeamsTelephoneNumber.ReadWrite.All"];
const WRITE_NUMBERS = ["TeamsTelephoneNumber.ReadWrite.All"];
const NUMBER_TYPE = "microsoft.graph.teamsAdministration.numberAssignment";
const CONFIG_TYPE = "microsoft.graph.teamsAdministration.teamsUserConfiguration";
const NUMBER_PROPERTIES = (
  "id activationState assignmentCategory assignmentStatus assignmentTargetId capabilities city civicAddressId " +
  "isoCountryCode locationId networkSiteId numberSource numberType operatorId portInStatus " +
  "reverseNumberLookupOptions supportedCustomerActions telephoneNumber"
).split(" ");
const CONFIG_PROPERTIES = (
  "id accountType createdDateTime effectivePolicyAssignments featureTypes isEnterpriseVoiceEnabled " +
  "modifiedDateTime telephoneNumbers tenantId userPrincipalName"
).split(" ");

function listNumbers(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_NUMBERS);
  settleOperations(call.tenant);
  let items = [...call.tenant.numbers.values()].map(numberAssignmentEntity);
  const f = call.query.get("$filter");
  if (f) {
    const compiled = compileFilter(f, NUMBER_TYPE);
    if (compiled.features.has("path:id") || compiled.features.has("path:city")) {
      throw badRequest("Filtering on 'id' or 'city' is not supported.", "BadRequest");
    }
    items = items.filter((i) => compiled.test(i));
  }
  const select = parseSelect(call.query, NUMBER_PROPERTIES, NUMBER_TYPE);
  const { page, nextOffset } = paginate(items, call.query, { def: 500, max: 1000, allowSkip: true });
  const extra: Record<string, unknown> = {};
  if (call.query.get("$count") === "true") extra["@odata.count"] = items.length;
  if (nextOffset !== null)
    extra["@odata.nextLink"] = nextLink(
      call.base,
      `${TNM}/numberAssignments`,
      call.query,
      encodeToken({ o: nextOffset }),
    );
  return {
    status: 200,
    body: collection(
      call,
      "admin/teams/telephoneNumberManagement/numberAssignments",
      page.map((i) => project(i, select)),
      extra,
    ),
  };
}

function getNumber(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_NUMBERS);
  settleOperations(call.tenant);
  const n = findNumberById(call.tenant, call.params.id ?? "");
  if (!n) throw resourceNotFound(call.params.id ?? "");
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#admin/teams/telephoneNumberManagement/numberAssignments/$entity`,
      ...numberAssignmentEntity(n),
    },
  };
}

/**
 * "Published propagation times" for Teams (real-world-direct-routing.md; Teams admin "Assign, change, or remove a
 * phone number for a user"): a newly licensed user is provisioned in Teams "typically under 30 minutes, up to 24
 * hours"; until then a number cannot be assigned. Measured from the Teams Phone licence's assignedDateTime.
 * The wording is ours.
 */
function teamsProvisioningPending(call: GraphCall, targetId: string): string | null {
  const user = findUser(call.tenant, targetId);
  if (!user) return null;
  const delay = call.ctx.state.scaled(call.ctx.state.settings.teamsProvisioningMs);
  const assigned = user.licenses
    .filter((l) =>
      call.tenant.skus
        .find((s) => s.skuId === l.skuId)
        ?.servicePlans.some((p) => p.servicePlanId === PLAN.MCOEV.servicePlanId),
    )
    .map((l) => Date.parse(l.assignedDateTime));
  if (assigned.length === 0) return null;
  if (Math.min(...assigned) + delay <= tenantNow(call.tenant)) return null;
  return `The user '${user.userPrincipalName}' is not provisioned in Microsoft Teams yet. Provisioning of a newly licensed user typically takes under 30 minutes and can take up to 24 hours.`;
}

function numberOperation(kind: "assign" | "unassign") {
  return (call: GraphCall): GraphResult => {
    requirePermission(call, ...WRITE_NUMBERS);
    const op = startNumberOperation(call.tenant, kind, objectBody(call), call.ctx.state.operationDelay());
    if (kind === "assign") {
      const pending = teamsProvisioningPending(call, op.request.assignmentTargetId ?? "");
      if (pending) {
        op.status = "failed";
        op.statusDetail = pending;
      }
    }
    call.ctx.state.scheduleSettle(call.tenant, call.ctx.state.operationDelay());
    return { status: 202, headers: { location: `${call.base}${TNM}/operations('${op.id}')` } };
  };
}

function updateNumberAction(call: GraphCall): GraphResult {
  requirePermission(call, ...WRITE_NUMBERS);
  updateNumber(call.tenant, objectBody(call));
  return { status: 200 };
}

function getOperation(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_NUMBERS);
  settleOperations(call.tenant);
  const id = decodeURIComponent(call.params.id ?? "");
  const op = call.tenant.operations.get(id);
  if (!op) throw resourceNotFound(id);
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#admin/teams/telephoneNumberManagement/operations/$entity`,
      ...operationEntity(call.base, call.tenant, op),
    },
  };
}

function expandUser(call: GraphCall, entity: Record<string, unknown>): Record<string, unknown> {
  const expand = call.query.get("$expand");
  if (!expand) return entity;
  if (expand.trim() !== "user") throw badRequest(`Could not find a navigation property named '${expand}'.`);
  const u = call.tenant.users.get(String(entity.id));
  return { ...entity, user: u ? project(userEntity(call.tenant, u), null, USER_DEFAULT_SELECT) : null };
}

/**
 * The ids a userConfigurations list matched when its first page was asked for, by snapshot id (named in the
 * skiptoken): the following pages build only their own entities, not every user's again (a tenant's unlicensed
 * users can be many pages). The oldest snapshots are dropped; an unknown one is computed afresh.
 */
const configSnapshots = new Map<string, string[]>();
const MAX_CONFIG_SNAPSHOTS = 50;

/** Users judged between two turns of the event loop while a list is matched. */
const USERS_PER_TURN = 2000;

/**
 * Microsoft answers other requests while it works out a long list; the emulator is one thread, so it gives them
 * their turn between chunks of users instead of holding, say, a delta page's answer (or the arrival of the next
 * page's request) for a whole 50,000-user tenant's list.
 */
async function matchingConfigurationIds(call: GraphCall): Promise<string[]> {
  const f = call.query.get("$filter");
  const compiled = f ? compileFilter(f, CONFIG_TYPE) : null;
  // Only the properties the filter can name are built for every user.
  const entityOf = /telephoneNumbers|effectivePolicyAssignments/.test(f ?? "")
    ? userConfigurationEntity
    : userConfigurationScalars;
  const users = [...call.tenant.users.values()];
  const items: Record<string, unknown>[] = [];
  for (let from = 0; from < users.length; from += USERS_PER_TURN) {
    if (from > 0) await setImmediate();
    for (const u of users.slice(from, from + USERS_PER_TURN)) {
      if (!call.ctx.state.syncedToTeams(call.tenant, u)) continue;
      const item = entityOf(call.tenant, u);
      if (!compiled || compiled.test(item)) items.push(item);
    }
  }
  const orderby = call.query.get("$orderby");
  if (orderby) {
    const [prop = "", dir = "asc"] = orderby.split(/\s+/);
    const sign = dir === "desc" ? -1 : 1;
    items.sort((a, b) => sign * String(a[prop] ?? "").localeCompare(String(b[prop] ?? "")));
  }
  return items.map((i) => String(i.id));
}

async function listUserConfigurations(call: GraphCall): Promise<GraphResult> {
  requirePermission(call, "TeamsUserConfiguration.Read.All");
  settleOperations(call.tenant);
  const skiptoken = call.query.get("$skiptoken");
  const known = skiptoken ? decodeToken<{ snap?: string }>(skiptoken).snap : undefined;
  const ids = (known && configSnapshots.get(known)) || (await matchingConfigurationIds(call));
  const select = parseSelect(call.query, CONFIG_PROPERTIES, CONFIG_TYPE);
  const { page, nextOffset } = paginate(ids, call.query, { def: 100, max: 999 });
  const extra: Record<string, unknown> = {};
  if (call.query.get("$count") === "true") extra["@odata.count"] = ids.length;
  if (nextOffset !== null) {
    let snap = known && configSnapshots.has(known) ? known : undefined;
    if (!snap) {
      snap = randomUUID();
      configSnapshots.set(snap, ids);
      for (const old of configSnapshots.keys()) {
        if (configSnapshots.size <= MAX_CONFIG_SNAPSHOTS) break;
        configSnapshots.delete(old);
      }
    }
    extra["@odata.nextLink"] = nextLink(
      call.base,
      "/admin/teams/userConfigurations",
      call.query,
      encodeToken({ o: nextOffset, snap }),
    );
  }
  const entities = page.flatMap((id) => {
    const u = call.tenant.users.get(id);
    return u ? [userConfigurationEntity(call.tenant, u)] : [];
  });
  return {
    status: 200,
    body: collection(
      call,
      "admin/teams/userConfigurations",
      entities.map((i) => expandUser(call, project(i, select))),
      extra,
    ),
  };
}

function getUserConfiguration(call: GraphCall): GraphResult {
  requirePermission(call, "TeamsUserConfiguration.Read.All");
  settleOperations(call.tenant);
  const u = findUser(call.tenant, call.params.id ?? "");
  if (!u || !call.ctx.state.syncedToTeams(call.tenant, u)) throw resourceNotFound(call.params.id ?? "");
  const select = parseSelect(call.query, CONFIG_PROPERTIES, CONFIG_TYPE);
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#admin/teams/userConfigurations/$entity`,
      ...expandUser(call, project(userConfigurationEntity(call.tenant, u), select)),
    },
  };
}

function policyAssignments(kind: "assign" | "unassign") {
  return (call: GraphCall): GraphResult => {
    requirePermission(call, "TeamsPolicyUserAssign.ReadWrite.All");
    const value = objectBody(call).value;
    if (!Array.isArray(value) || value.length === 0)
      throw badRequest("The 'value' collection is required.", "BadRequest");
    const plan = value.map((raw: Record<string, unknown>) => {
      const userId = String(raw?.userId ?? "");
      const policyType = String(raw?.policyType ?? "");
      const user = findUser(call.tenant, userId);
      if (!user) throw resourceNotFound(userId);
      if (!GRAPH_ASSIGNABLE_POLICY_TYPES.some((t) => t.toLowerCase() === policyType.toLowerCase())) {
        throw badRequest(`Policy type '${policyType}' is not supported.`, "BadRequest");
      }
      if (kind === "unassign") return { user, policyType, name: null };
      const id = String(raw?.policyId ?? "");
      const name = findPolicyById(call.tenant, policyType, id);
      if (!name) throw badRequest(`Policy '${id}' of type '${policyType}' was not found.`, "BadRequest");
      return { user, policyType, name };
    });
    for (const p of plan) grantPolicy(call.tenant, p.user, p.policyType, p.name);
    return { status: 204 };
  };
}

function getPolicyId(call: GraphCall): GraphResult {
  requirePermission(call, "TeamsPolicyUserAssign.ReadWrite.All", "TeamsUserConfiguration.Read.All");
  const type = decodeURIComponent(call.params.type ?? "");
  const name = decodeURIComponent(call.params.name ?? "");
  let spec: ReturnType<typeof voiceTypeSpec>;
  try {
    spec = voiceTypeSpec(type);
  } catch {
    throw badRequest(`Policy type '${type}' is not supported.`, "BadRequest");
  }
  const obj = call.tenant.voice.get(spec.type)?.get(bareIdentity(name).toLowerCase());
  if (!obj) throw resourceNotFound(name);
  const pid = policyId(call.tenant, spec.type, obj.Identity);
  return {
    status: 200,
    body: collection(call, "Collection(microsoft.graph.teamsAdministration.policyIdentifierDetail)", [
      { id: pid, name: obj.Identity === "Global" ? "Global" : `Tag:${obj.Identity}`, policyId: pid },
    ]),
  };
}

export const teamsRoutes = [
  route("GET", `${TNM}/numberAssignments`, listNumbers),
  route("POST", `${TNM}/numberAssignments/assignNumber`, numberOperation("assign")),
  route(
    "POST",
    `${TNM}/numberAssignments/microsoft.graph.teamsAdministration.assignNumber`,
    numberOperation("assign"),
  ),
  route("POST", `${TNM}/numberAssignments/unassignNumber`, numberOperation("unassign")),
  route(
    "POST",
    `${TNM}/numberAssignments/microsoft.graph.teamsAdministration.unassignNumber`,
    numberOperation("unassign"),
  ),
  route("POST", `${TNM}/numberAssignments/updateNumber`, updateNumberAction),
  route(
    "POST",
    `${TNM}/numberAssignments/microsoft.graph.teamsAdministration.updateNumber`,
    updateNumberAction,
  ),
  route("GET", `${TNM}/numberAssignments/{id}`, getNumber),
  route("GET", `${TNM}/operations/{id}`, getOperation),
  route("GET", `${TNM}/operations({id})`, getOperation),
  route("GET", "/admin/teams/userConfigurations", listUserConfigurations),
  route("GET", "/admin/teams/userConfigurations/{id}", getUserConfiguration),
  route("POST", "/admin/teams/policy/userAssignments/assign", policyAssignments("assign")),
  route(
    "POST",
    "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.assign",
    policyAssignments("assign"),
  ),
  route("POST", "/admin/teams/policy/userAssignments/unassign", policyAssignments("unassign")),
  route(
    "POST",
    "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.unassign",
    policyAssignments("unassign"),
  ),
  route("GET", "/admin/teams/policy/getPolicyId(type={type},name={name})", getPolicyId),
  route(
    "GET",
    "/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type={type},name={name})",
    getPolicyId,
  ),
];
