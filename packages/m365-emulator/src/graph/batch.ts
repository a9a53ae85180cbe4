import type { GraphCall, GraphResult } from "./call.js";
import { badRequest } from "./errors.js";

interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_STEPS = 20;

/** POST /$batch: up to 20 steps, `dependsOn` ordering, 424 when a dependency failed (reference §2.6). */
export async function batch(call: GraphCall): Promise<GraphResult> {
  const body = call.body as { requests?: unknown } | undefined;
  if (!body || !Array.isArray(body.requests)) throw badRequest("Invalid batch payload format.", "BadRequest");
  const steps = body.requests as BatchStep[];
  if (steps.length > MAX_STEPS) {
    throw badRequest(`Number of batch request steps exceeds the maximum of ${MAX_STEPS}.`, "BadRequest");
  }
  const ids = new Set<string>();
  for (const s of steps) {
    if (typeof s?.id !== "string" || !s.id || typeof s.method !== "string" || typeof s.url !== "string") {
      throw badRequest("Each batch request needs 'id', 'method' and 'url'.", "BadRequest");
    }
    if (ids.has(s.id)) throw badRequest(`Batch request id '${s.id}' is not unique.`, "BadRequest");
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const d of s.dependsOn ?? []) {
      if (!ids.has(d)) throw badRequest(`Request '${s.id}' depends on unknown request '${d}'.`, "BadRequest");
    }
  }
  const results = new Map<string, BatchResponse>();
  const inProgress = new Set<string>();
  const run = async (step: BatchStep): Promise<BatchResponse> => {
    const done = results.get(step.id);
    if (done) return done;
    if (inProgress.has(step.id)) throw badRequest("Batch dependencies contain a cycle.", "BadRequest");
    inProgress.add(step.id);
    for (const dep of step.dependsOn ?? []) {
      const d = steps.find((s) => s.id === dep);
      if (d) await run(d);
    }
    const failedDep = (step.dependsOn ?? []).find((d) => (results.get(d)?.status ?? 200) >= 400);
    let response: BatchResponse;
    if (failedDep) {
      response = {
        id: step.id,
        status: 424,
        headers: { "content-type": "application/json" },
        body: { error: { code: "FailedDependency", message: `Dependent request '${failedDep}' failed.` } },
      };
    } else {
      response = await execute(call, step);
    }
    results.set(step.id, response);
    return response;
  };
  for (const s of steps) await run(s);
  return { status: 200, body: { responses: steps.map((s) => results.get(s.id)) } };
}

async function execute(call: GraphCall, step: BatchStep): Promise<BatchResponse> {
  let url = step.url.startsWith("/") ? step.url : `/${step.url}`;
  // Clients that build steps from absolute URLs strip only scheme and host (graph-client does), leaving our
  // /graph prefix and the version segment in place.
  if (url.startsWith("/graph/")) url = url.slice("/graph".length);
  if (url.startsWith("/v1.0/")) url = url.slice("/v1.0".length);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = String(v);
  headers.authorization = String(call.req.headers.authorization ?? "");
  headers.host = String(call.req.headers.host ?? "localhost");
  let payload: string | undefined;
  if (step.body !== undefined && step.body !== null) {
    if (!headers["content-type"]) {
      return {
        id: step.id,
        status: 400,
        headers: { "content-type": "application/json" },
        body: {
          error: { code: "BadRequest", message: "Content-Type header is required when a body is present." },
        },
      };
    }
    payload = typeof step.body === "string" ? step.body : JSON.stringify(step.body);
  }
  const res = await call.app.inject({
    method: step.method.toUpperCase() as "GET",
    url: `/graph/v1.0${url}`,
    headers,
    payload,
  });
  const out: Record<string, string> = {};
  for (const k of ["content-type", "location", "retry-after"]) {
    const v = res.headers[k];
    if (v !== undefined)
      out[k === "content-type" ? "Content-Type" : k === "location" ? "Location" : "Retry-After"] = String(v);
  }
  let body: unknown;
  if (res.body) {
    const ct = String(res.headers["content-type"] ?? "");
    body = ct.includes("json") ? JSON.parse(res.body) : res.body;
  }
  return { id: step.id, status: res.statusCode, headers: out, ...(body !== undefined ? { body } : {}) };
}
