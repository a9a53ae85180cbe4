import fc from "fast-check";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser } from "../support/factories.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { watchWrites } from "./database-fingerprint.js";
import { printFigures } from "./figures.js";
import {
  arbitraryFor,
  hostileString,
  hostileValue,
  mutated,
  type OpenApiDocument,
  type OpenApiOperation,
} from "./openapi-arbitraries.js";

/**
 * Issue 16 items 1 and 4: every operation of the OpenAPI document, driven with generated valid-ish and
 * hostile inputs as an anonymous caller and as an operator and a partner Admin. Figures: cases, 5xx,
 * 4xx that are not problem+json, and refused requests that wrote anything. Each must be zero.
 * FUZZ_RUNS (default 200) cases per operation; FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** Outbound calls fail at once instead of waiting on the network. */
const NOWHERE = "http://127.0.0.1:9";

type Caller = "anonymous" | "operator Admin" | "partner Admin";

interface Case {
  caller: Caller;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: { kind: "none" } | { kind: "json"; value: unknown } | { kind: "raw"; type: string; text: string };
}

interface Finding {
  operation: string;
  status: number;
  what: string;
  request: string;
}

/** Bodies a JSON parser or boundary must refuse as text. */
const rawBodies = fc.oneof(
  fc.constantFrom(
    '{"name":"a\\ud800b"}',
    '{"username":"\\u0000"}',
    '["\\udfff"]',
    "{",
    "[1,",
    "null",
    '"just a string"',
    `${"[".repeat(100)}${"]".repeat(100)}`,
    '{"__proto__":{"polluted":true}}',
  ),
  fc.string({ maxLength: 60, unit: "binary" }),
);

const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation,
      })),
    )
    // Deletions last, so the accounts they remove serve every other operation first.
    .sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

describe("fuzzing every operation of the OpenAPI document", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestApp(
      {
        MICROSOFT_LOGIN_URL: NOWHERE,
        MICROSOFT_GRAPH_URL: NOWHERE,
        TEAMS_ADMIN_URL: NOWHERE,
        PREFLIGHT_DNS_SERVERS: "127.0.0.1:9",
        LOG_LEVEL: "warn",
      },
      { workers: false },
    );
    tree = await createAccountTree(t.deps.db);
    doc = t.app.swagger() as unknown as OpenApiDocument;
  });
  afterAll(() => t?.stop());

  it(`answers ${RUNS} generated cases per operation with no 5xx, problem+json 4xx and no writes when refused`, async () => {
    const operations = operationsOf(doc);
    const writes = await watchWrites(t.deps.db);
    const findings: Finding[] = [];
    let cases = 0;
    let refused = 0;
    const byCaller: Record<Caller, number> = { anonymous: 0, "operator Admin": 0, "partner Admin": 0 };

    for (const [index, { method, path, operation }] of operations.entries()) {
      const name = `${method} ${path}`;
      // Fresh Admins per operation: a generated sign-out or 2FA change must not starve later operations.
      const admins = {
        "operator Admin": await createSignedInUser(t.deps.db, tree.operator, "Admin"),
        "partner Admin": await createSignedInUser(t.deps.db, tree.partner, "Admin"),
      };
      const knownIds = [tree.operator.id, tree.partner.id, tree.enterprise.id, tree.sibling.id];
      const userIds = [admins["operator Admin"].userId, admins["partner Admin"].userId];
      const samples = fc.sample(caseFor(doc, path, operation, knownIds, userIds), {
        numRuns: RUNS,
        seed: SEED + index,
      });

      await writes.changedTables(); // the Admins just created are no request's writes
      for (const sample of samples) {
        cases++;
        byCaller[sample.caller]++;
        const request = toRequest(method, path, sample);
        if (sample.caller !== "anonymous") {
          request.headers = { ...request.headers, ...admins[sample.caller].headers };
        }
        const response = await t.app.inject(request);
        const describeRequest = () =>
          `${sample.caller} ${method} ${String(request.url).slice(0, 200)} ${JSON.stringify(request.payload ?? "").slice(0, 200)}`;
        if (response.statusCode >= 500) {
          findings.push({
            operation: name,
            status: response.statusCode,
            what: "5xx",
            request: describeRequest(),
          });
        } else if (
          response.statusCode >= 400 &&
          !String(response.headers["content-type"]).startsWith("application/problem+json")
        ) {
          findings.push({
            operation: name,
            status: response.statusCode,
            what: `4xx as ${response.headers["content-type"]}`,
            request: describeRequest(),
          });
        }
        const changed = await writes.changedTables();
        if (response.statusCode >= 400) {
          refused++;
          const undue = changed.filter((table) => !deliberateWrite(name, response.statusCode, table));
          if (undue.length > 0) {
            findings.push({
              operation: name,
              status: response.statusCode,
              what: `refused but wrote ${undue.join(", ")}`,
              request: describeRequest(),
            });
          }
        }
      }
    }

    const count = (what: (f: Finding) => boolean) => findings.filter(what).length;
    printFigures("fuzz (OpenAPI operations × generated inputs)", {
      operations: operations.length,
      "cases per operation": RUNS,
      "cases in all": cases,
      "cases as anonymous / operator Admin / partner Admin": `${byCaller.anonymous} / ${byCaller["operator Admin"]} / ${byCaller["partner Admin"]}`,
      "refused (4xx)": refused,
      "5xx": count((f) => f.what === "5xx"),
      "4xx not problem+json": count((f) => f.what.startsWith("4xx as")),
      "refused requests that wrote": count((f) => f.what.startsWith("refused but wrote")),
      seed: SEED,
    });
    expect(operations.length).toBeGreaterThan(50);
    // One example per kind of finding, so a failure reads as a list of distinct problems.
    const distinct = new Map<string, Finding>();
    for (const finding of findings) {
      const key = `${finding.operation} ${finding.status} ${finding.what}`;
      if (!distinct.has(key)) distinct.set(key, finding);
    }
    expect([...distinct.values()]).toEqual([]);
  }, 900_000);
});

/**
 * Writes a refused request makes on purpose: a failed sign-in is audited and counted towards the lockout;
 * a guessed activation or reset token and a wrong two-factor code or password count towards their throttles.
 */
function deliberateWrite(operation: string, status: number, table: string): boolean {
  const throttled = [
    "POST /api/auth/sign-in",
    "POST /api/auth/activate",
    "POST /api/auth/reset-password",
    "POST /api/me/two-factor/confirm",
    "POST /api/me/two-factor/disable",
    "POST /api/me/two-factor/recovery-codes",
  ];
  return (
    throttled.includes(operation) &&
    (status === 401 || status === 429 || status === 400) &&
    ["auth_throttle", "audit_events"].includes(table)
  );
}

function caseFor(
  doc: OpenApiDocument,
  path: string,
  operation: OpenApiOperation,
  knownIds: string[],
  userIds: string[],
): fc.Arbitrary<Case> {
  const parameters = operation.parameters ?? [];
  const pathParams: Record<string, fc.Arbitrary<string>> = {};
  for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
    const known = name === "accountId" ? knownIds : userIds;
    pathParams[name] = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...known) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileString },
    );
  }
  const query: Record<string, fc.Arbitrary<unknown>> = {};
  for (const parameter of parameters.filter((p) => p.in === "query")) {
    query[parameter.name] = fc.oneof(
      { weight: 3, arbitrary: arbitraryFor(doc, parameter.schema) },
      { weight: 1, arbitrary: hostileValue },
    );
  }
  const jsonSchema = operation.requestBody?.content["application/json"]?.schema;
  const valid = arbitraryFor(doc, jsonSchema);
  const body: fc.Arbitrary<Case["body"]> = jsonSchema
    ? fc.oneof(
        { weight: 4, arbitrary: valid.map((value) => ({ kind: "json" as const, value })) },
        { weight: 4, arbitrary: mutated(valid).map((value) => ({ kind: "json" as const, value })) },
        { weight: 1, arbitrary: hostileValue.map((value) => ({ kind: "json" as const, value })) },
        {
          weight: 1,
          arbitrary: rawBodies.map((text) => ({ kind: "raw" as const, type: "application/json", text })),
        },
      )
    : path.endsWith("/imports")
      ? fc
          .oneof(
            fc.string({ maxLength: 200, unit: "binary" }),
            fc.constantFrom("upn,sipUser\n", "a\u0000b\n", "\ufeffx,y\n\ud800\n"),
          )
          .map((text) => ({ kind: "raw" as const, type: "text/csv", text }))
      : fc.constant({ kind: "none" as const });
  return fc.record({
    caller: fc.constantFrom<Caller>("anonymous", "operator Admin", "partner Admin"),
    params: fc.record(pathParams),
    query: fc.record(query, { requiredKeys: [] }),
    body,
  });
}

/** Percent-encodes a path segment; a lone surrogate becomes the (invalid) UTF-8 bytes a raw client could send. */
function encodeSegment(value: string): string {
  return [...value]
    .map((ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        return "%ED%A0%80";
      }
    })
    .join("");
}

function toRequest(method: string, path: string, sample: Case): InjectOptions {
  const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeSegment(sample.params[name] ?? ""));
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(sample.query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) search.append(key, typeof item === "string" ? item : JSON.stringify(item));
  }
  const query = search.toString();
  const request: InjectOptions = {
    method: method as InjectOptions["method"],
    url: query ? `${url}?${query}` : url,
    headers: {},
  };
  if (sample.body.kind === "json") {
    request.headers = { "content-type": "application/json" };
    request.payload = JSON.stringify(sample.body.value ?? null);
  } else if (sample.body.kind === "raw") {
    request.headers = { "content-type": sample.body.type };
    request.payload = sample.body.text;
  }
  return request;
}
