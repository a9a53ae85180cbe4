import { setTimeout as sleep } from "node:timers/promises";
import { RetryLater } from "../../jobs/define-job.js";
import { type ApiClient, type ApiClientOptions, createApiClient, MicrosoftApiError } from "./api-client.js";
import { readDeltaPage } from "./delta-page.js";

/**
 * Teams voice per user on Graph v1.0: the users delta, telephone number assignment (asynchronous operations),
 * policy assignment and the user's Teams configuration.
 */

export const TEAMS_PHONE_PLAN_ID = "4828c8ec-dc2e-4779-b502-87ac9ce28ab7";
export const TEAMS_PHONE_VIRTUAL_USER_PLAN_ID = "f47330e9-c134-43b3-9993-e7f004506889";
const TNM = "/admin/teams/telephoneNumberManagement";
const DELTA_SELECT =
  "id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,assignedPlans,userType,isResourceAccount";

export interface DeltaUser {
  id: string;
  userPrincipalName?: string;
  displayName?: string | null;
  mail?: string | null;
  accountEnabled?: boolean | null;
  usageLocation?: string | null;
  userType?: string | null;
  isResourceAccount?: boolean | null;
  assignedPlans?: { servicePlanId: string; capabilityStatus: string }[];
  "@removed"?: { reason: string };
}

/** A delta page, handed back as soon as its links have arrived (delta-page.ts). */
export interface DeltaPage {
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
  /** The page's users, once its whole answer has arrived; rejects when it did not, or when its links differ. */
  users(): Promise<DeltaUser[]>;
}

export interface UserVoiceState {
  accountType: string;
  enterpriseVoiceEnabled: boolean;
  numbers: string[];
  /** policyType → policy name (without the "Tag:" prefix). */
  policies: Record<string, string>;
}

export interface NumberAssignmentInfo {
  telephoneNumber: string;
  assignmentStatus: string;
  assignmentTargetId: string | null;
  numberType: string;
  activationState?: string;
}

const q = encodeURIComponent;

/**
 * Policy ids per tenant, type and name: stable, so looked up once per 10 minutes rather than per user. The lookup
 * itself is cached, so users provisioned at once share one request.
 */
export type PolicyIdCache = Map<string, { id: Promise<string | null>; at: number }>;

export interface VoiceApi {
  graph: ApiClient;
  deltaPage(link: string | null): Promise<DeltaPage>;
  findNumber(number: string): Promise<NumberAssignmentInfo | null>;
  /** Starts assignNumber/unassignNumber and returns the operation URL (relative to Graph v1.0). */
  startNumberOperation(kind: "assign" | "unassign", number: string, userId?: string): Promise<string>;
  /** Follows the operation to a terminal status; throws with Microsoft's detail when it failed. */
  awaitOperation(path: string): Promise<void>;
  /** How long a number operation usually runs: its result is looked at no earlier than this after it started. */
  readonly operationTypicalMs: number;
  policyId(type: string, name: string): Promise<string | null>;
  /** Grants the user all these policies in one request. */
  assignPolicies(userId: string, policies: { type: string; policyId: string }[]): Promise<void>;
  /** Takes these policy types' direct assignments from the user in one request. */
  unassignPolicies(userId: string, types: string[]): Promise<void>;
  voiceState(userId: string): Promise<UserVoiceState | null>;
}

export interface TeamsVoiceOptions {
  signal?: AbortSignal;
  maxInlineWaitSeconds?: number;
  operationPollMs?: number;
}

/** Graph v1.0 Teams voice calls for one customer tenant, through the port's token cache. */
export function teamsVoice(
  client: Pick<ApiClientOptions, "baseUrl" | "tenantId" | "tokens"> & { policyIds: PolicyIdCache },
  options: TeamsVoiceOptions = {},
): VoiceApi {
  const { policyIds, ...connection } = client;
  const tenantId = client.tenantId;
  const common = {
    ...connection,
    audience: "graph" as const,
    signal: options.signal,
    maxInlineWaitSeconds: options.maxInlineWaitSeconds ?? 60,
  };
  const graph = createApiClient(common);
  // Delta pages: $top=999 on the first request, and Prefer odata.maxpagesize on every one (nextLinks do not
  // always carry $top).
  const delta = createApiClient({ ...common, extraHeaders: { prefer: "odata.maxpagesize=999" } });
  /** Graph links are absolute; the client wants a path under /v1.0 (any host prefix is dropped). */
  const relative = (link: string) => {
    if (!/^https?:/i.test(link)) return link;
    const url = new URL(link);
    const at = url.pathname.indexOf("/v1.0");
    return `${at >= 0 ? url.pathname.slice(at + 5) : url.pathname}${url.search}`;
  };
  const pollMs = options.operationPollMs ?? 250;

  return {
    graph,
    operationTypicalMs: pollMs,
    async deltaPage(link) {
      const path = link ? relative(link) : `/users/delta?$select=${DELTA_SELECT}&$top=999`;
      const { body } = await delta.getStream(path);
      return readDeltaPage(body);
    },
    async findNumber(number) {
      const { body } = await graph.get<{ value: NumberAssignmentInfo[] }>(
        `${TNM}/numberAssignments?$filter=${q(`telephoneNumber eq '${number}'`)}`,
      );
      return body.value[0] ?? null;
    },
    async startNumberOperation(kind, number, userId) {
      const body =
        kind === "assign"
          ? {
              telephoneNumber: number,
              assignmentTargetId: userId,
              numberType: "directRouting",
              assignmentCategory: "primary",
            }
          : { telephoneNumber: number, numberType: "directRouting" };
      const response = await graph.post(`${TNM}/numberAssignments/${kind}Number`, body);
      const location = response.headers.get("location");
      if (!location) throw new Error(`${kind}Number answered without an operation Location.`);
      return relative(location);
    },
    async awaitOperation(path) {
      const started = Date.now();
      for (;;) {
        const { body } = await graph.get<{
          status?: string;
          numbers?: { status: string; statusDetail: string | null }[];
          value?: { status: string; numbers?: { status: string; statusDetail: string | null }[] };
        }>(path);
        const op = body.value && !body.status ? body.value : body;
        if (op.status === "succeeded") return;
        if (op.status === "failed") {
          const detail = (op.numbers ?? [])
            .map((n) => n.statusDetail)
            .filter(Boolean)
            .join("; ");
          throw new MicrosoftApiError(
            409,
            "OperationFailed",
            detail || "The number operation failed.",
            "GET",
            path,
          );
        }
        if (Date.now() - started > 120_000)
          throw new RetryLater(30, "The number operation is still running.");
        await sleep(pollMs, undefined, { signal: options.signal });
      }
    },
    async policyId(type, name) {
      const key = `${tenantId}|${type}|${name}`.toLowerCase();
      const cached = policyIds.get(key);
      if (cached && Date.now() - cached.at < 600_000) return cached.id;
      const lookup = graph
        .get<{ value: { policyId: string }[] }>(
          `/admin/teams/policy/getPolicyId(type='${q(type)}',name='${q(name)}')`,
          [404],
        )
        .then((response) => (response.status === 404 ? null : (response.body.value[0]?.policyId ?? null)));
      const entry = { id: lookup, at: Date.now() };
      policyIds.set(key, entry);
      // Only a found id is kept: a missing policy may be created any moment (the setup), a failure retried.
      const forget = () => {
        if (policyIds.get(key) === entry) policyIds.delete(key);
      };
      lookup.then((id) => id ?? forget(), forget);
      return lookup;
    },
    // teamsPolicyUserAssignment: assign / unassign (learn.microsoft.com/graph/api/teamsadministration-
    // teamspolicyuserassignment-assign): the body's `value` is a collection of {userId, policyType, policyId}, so
    // a user's voice routing policy and dial plan go in one request; 204 when they took effect.
    async assignPolicies(userId, policies) {
      await graph.post("/admin/teams/policy/userAssignments/assign", {
        value: policies.map((p) => ({ userId, policyType: p.type, policyId: p.policyId })),
      });
    },
    async unassignPolicies(userId, types) {
      await graph.post("/admin/teams/policy/userAssignments/unassign", {
        value: types.map((policyType) => ({ userId, policyType })),
      });
    },
    async voiceState(userId) {
      const response = await graph.get<{
        accountType: string;
        isEnterpriseVoiceEnabled: boolean;
        telephoneNumbers?: { telephoneNumber: string }[];
        effectivePolicyAssignments?: { policyType: string; policyAssignment?: { displayName?: string } }[];
      }>(`/admin/teams/userConfigurations/${q(userId)}`, [404]);
      if (response.status === 404) return null;
      const b = response.body;
      const policies: Record<string, string> = {};
      for (const p of b.effectivePolicyAssignments ?? []) {
        const name = p.policyAssignment?.displayName;
        if (name) policies[p.policyType] = name.replace(/^tag:/i, "");
      }
      return {
        accountType: b.accountType,
        enterpriseVoiceEnabled: Boolean(b.isEnterpriseVoiceEnabled),
        numbers: (b.telephoneNumbers ?? []).map((n) => n.telephoneNumber),
        policies,
      };
    },
  };
}
