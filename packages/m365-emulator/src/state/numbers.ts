import { randomUUID } from "node:crypto";
import { stableGuid } from "../scenario/random.js";
import { PLAN } from "./catalog.js";
import { badRequest, notFound } from "./errors.js";
import type { NumberAssignment, NumberOperation, NumberOperationRequest, Tenant, User } from "./model.js";
import { findUser, hasEnabledPlan, isoNow, tenantNow } from "./users.js";

const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");
const NUMBER_TYPES = ["directRouting", "callingPlan", "operatorConnect"] as const;
const CATEGORIES = ["primary", "private", "alternate"] as const;
const E164 = /^\+[1-9]\d{3,14}(;ext=\d{1,10})?$/;

export function numberAssignmentId(tenant: Tenant, telephoneNumber: string): string {
  return b64url(`${stableGuid(tenant.id, telephoneNumber)}|${telephoneNumber}`);
}

export function newNumber(
  tenant: Tenant,
  telephoneNumber: string,
  numberType: NumberAssignment["numberType"],
  extra: Partial<NumberAssignment> = {},
): NumberAssignment {
  return {
    id: numberAssignmentId(tenant, telephoneNumber),
    telephoneNumber,
    numberType,
    activationState: "activated",
    assignmentStatus: "unassigned",
    assignmentCategory: null,
    assignmentTargetId: null,
    capabilities:
      numberType === "directRouting"
        ? ["userAssignment"]
        : ["userAssignment", "voiceApplicationAssignment", "conferenceAssignment"],
    city: null,
    civicAddressId: null,
    isoCountryCode: null,
    locationId: null,
    networkSiteId: null,
    // Graph numberAssignment.numberSource: "onPremises" is for numbers synced from on-premises Active Directory;
    // Direct Routing numbers managed in Teams (assignNumber) are "online", like Calling Plan ones.
    numberSource: "online",
    operatorId: "",
    portInStatus: numberType === "callingPlan" ? "completed" : null,
    reverseNumberLookupOptions: [],
    supportedCustomerActions: numberType === "directRouting" ? [] : ["locationUpdate", "release"],
    ...extra,
  };
}

export function findNumberById(tenant: Tenant, id: string): NumberAssignment | undefined {
  for (const n of tenant.numbers.values()) if (n.id === id) return n;
  return undefined;
}

function requireString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== "string" || v.length === 0) {
    throw badRequest(`The request is missing the required property '${key}'.`, "BadRequest");
  }
  return v;
}

function parseNumberType(body: Record<string, unknown>): NumberAssignment["numberType"] {
  const t = requireString(body, "numberType");
  if (!(NUMBER_TYPES as readonly string[]).includes(t)) {
    throw badRequest(`The value '${t}' is not valid for property 'numberType'.`, "BadRequest");
  }
  return t as NumberAssignment["numberType"];
}

function parseTelephoneNumber(body: Record<string, unknown>): string {
  const n = requireString(body, "telephoneNumber");
  if (!E164.test(n)) throw badRequest(`The telephone number '${n}' is not in E.164 format.`, "BadRequest");
  return n;
}

export function startNumberOperation(
  tenant: Tenant,
  kind: "assign" | "unassign",
  body: Record<string, unknown>,
  delayMs: number,
): NumberOperation {
  const request: NumberOperationRequest = {
    kind,
    telephoneNumber: parseTelephoneNumber(body),
    numberType: parseNumberType(body),
  };
  if (kind === "assign") {
    request.assignmentTargetId = requireString(body, "assignmentTargetId");
    const category = body.assignmentCategory ?? "primary";
    if (!(CATEGORIES as readonly unknown[]).includes(category)) {
      throw badRequest(
        `The value '${String(category)}' is not valid for property 'assignmentCategory'.`,
        "BadRequest",
      );
    }
    request.assignmentCategory = category as NonNullable<NumberOperationRequest["assignmentCategory"]>;
    if (typeof body.locationId === "string") request.locationId = body.locationId;
  }
  const now = tenantNow(tenant);
  const op: NumberOperation = {
    id: b64url(`${kind === "assign" ? "Assignment" : "Unassignment"}|${randomUUID()}`),
    createdDateTime: isoNow(now),
    createdAt: now,
    dueAt: now + delayMs,
    status: "notStarted",
    request,
    statusDetail: null,
  };
  tenant.operations.set(op.id, op);
  return op;
}

/** Moves operations forward according to the tenant's clock; rules are evaluated when an operation runs. */
export function settleOperations(tenant: Tenant): void {
  const now = tenantNow(tenant);
  for (const op of tenant.operations.values()) {
    if (op.status === "succeeded" || op.status === "failed") continue;
    if (now >= op.dueAt) {
      try {
        if (op.request.kind === "assign") applyAssign(tenant, op.request);
        else applyUnassign(tenant, op.request);
        op.status = "succeeded";
      } catch (e) {
        op.status = "failed";
        op.statusDetail = e instanceof Error ? e.message : String(e);
      }
    } else if (now >= op.createdAt + (op.dueAt - op.createdAt) / 2) {
      op.status = "running";
    }
  }
}

function touchVoice(tenant: Tenant, user: User): void {
  user.voice.modifiedDateTime = isoNow(tenantNow(tenant));
}

function applyAssign(tenant: Tenant, req: NumberOperationRequest): void {
  const targetId = req.assignmentTargetId ?? "";
  const user = findUser(tenant, targetId);
  if (!user) throw new Error(`The user '${targetId}' was not found in the tenant.`);
  if (user.isResourceAccount) {
    if (!hasEnabledPlan(user, PLAN.MCOEV_VIRTUALUSER.servicePlanId, PLAN.MCOEV.servicePlanId)) {
      throw new Error(
        `The resource account '${user.userPrincipalName}' lacks appropriate licenses to assign a phone number.`,
      );
    }
  } else {
    if (!user.accountEnabled) throw new Error(`The user '${user.userPrincipalName}' is disabled.`);
    if (!hasEnabledPlan(user, PLAN.MCOEV.servicePlanId)) {
      throw new Error(
        `The user '${user.userPrincipalName}' lacks appropriate licenses to assign a phone number. A Teams Phone (MCOEV) license is required.`,
      );
    }
  }
  let number = tenant.numbers.get(req.telephoneNumber);
  if (!number) {
    if (req.numberType !== "directRouting") {
      throw new Error(
        `The telephone number '${req.telephoneNumber}' was not found in the tenant's inventory.`,
      );
    }
    number = newNumber(tenant, req.telephoneNumber, "directRouting");
    tenant.numbers.set(number.telephoneNumber, number);
  }
  if (number.numberType !== req.numberType) {
    throw new Error(
      `The telephone number '${req.telephoneNumber}' is of type '${number.numberType}', not '${req.numberType}'.`,
    );
  }
  if (number.assignmentTargetId && number.assignmentTargetId !== user.id) {
    throw new Error(
      `The telephone number '${req.telephoneNumber}' has already been assigned to another user.`,
    );
  }
  const category = req.assignmentCategory ?? "primary";
  if (category === "primary") {
    for (const other of tenant.numbers.values()) {
      if (
        other !== number &&
        other.assignmentTargetId === user.id &&
        other.assignmentCategory === "primary"
      ) {
        releaseNumber(other);
      }
    }
  }
  number.assignmentTargetId = user.id;
  number.assignmentCategory = category;
  number.assignmentStatus = user.isResourceAccount ? "voiceApplicationAssigned" : "userAssigned";
  number.activationState = "activated";
  if (req.locationId !== undefined) number.locationId = req.locationId;
  user.voice.enterpriseVoiceEnabled = true;
  touchVoice(tenant, user);
}

function releaseNumber(n: NumberAssignment): void {
  n.assignmentTargetId = null;
  n.assignmentCategory = null;
  n.assignmentStatus = "unassigned";
}

function applyUnassign(tenant: Tenant, req: NumberOperationRequest): void {
  const number = tenant.numbers.get(req.telephoneNumber);
  if (!number?.assignmentTargetId) {
    throw new Error(`The telephone number '${req.telephoneNumber}' is not assigned.`);
  }
  if (number.numberType !== req.numberType) {
    throw new Error(
      `The telephone number '${req.telephoneNumber}' is of type '${number.numberType}', not '${req.numberType}'.`,
    );
  }
  const userId = number.assignmentTargetId;
  releaseNumber(number);
  const user = tenant.users.get(userId);
  if (user) {
    const stillHas = [...tenant.numbers.values()].some((n) => n.assignmentTargetId === user.id);
    if (!stillHas) user.voice.enterpriseVoiceEnabled = false;
    touchVoice(tenant, user);
  }
}

export function updateNumber(tenant: Tenant, body: Record<string, unknown>): void {
  const tel = parseTelephoneNumber(body);
  const number = tenant.numbers.get(tel);
  if (!number) throw notFound(tel);
  const apply = (key: "locationId" | "networkSiteId") => {
    const v = body[key];
    if (v === "") number[key] = null;
    else if (typeof v === "string") number[key] = v;
  };
  apply("locationId");
  apply("networkSiteId");
  const opts = body.reverseNumberLookupOptions;
  if (Array.isArray(opts)) number.reverseNumberLookupOptions = opts.map(String);
}

export function numbersOfUser(tenant: Tenant, userId: string): NumberAssignment[] {
  return [...tenant.numbers.values()].filter((n) => n.assignmentTargetId === userId);
}
