import { randomUUID } from "node:crypto";
import type { FastifyInstance, InjectOptions } from "fastify";
import type { Database } from "../../src/db/client.js";
import type { RegisteredRoute } from "../../src/http/access.js";
import { portalUsers } from "../../src/modules/identity/schema.js";
import type { Account } from "../../src/modules/tenancy/schema.js";
import { createApiKey } from "./api-keys.js";
import { type createAccountTree, createSignedInUser } from "./factories.js";

/**
 * Authorization across EVERY registered /api route, read from the route table, so routes added later are
 * covered without touching this file. For each route: an anonymous caller, a Read-only user, a User and an
 * Admin of the acting account, and an Admin of a sibling account; foreign ids must answer 404, never 403.
 *
 * When you add a route:
 * - a public route must be listed in PUBLIC_ROUTES (a reviewer sees it in the diff);
 * - a new kind of `:xId` param should get a SAMPLE_IDS entry (an own and a foreign record), otherwise a
 *   random UUID is used and a 404 from allowed callers is accepted;
 * - a route whose body needs valid fields to reach its handler can get a SAMPLE_BODIES entry.
 */
export const PUBLIC_ROUTES = new Set([
  "GET /api/openapi.json",
  "POST /api/auth/sign-in",
  "POST /api/auth/activate",
  // Whether an activation link is still usable, nothing more (the token is 256 random bits; throttled per address).
  "POST /api/auth/activation-link",
  "POST /api/auth/forgot-password",
  "POST /api/auth/reset-password",
  // Microsoft admin consent: the customer's Global Admin follows an unguessable, expiring link; Microsoft redirects back.
  "POST /api/microsoft/authorization-requests/connect",
  "GET /api/microsoft/callback",
  "GET /api/microsoft/consent-flows/:flowId",
  "POST /api/microsoft/consent-flows/:flowId/retry",
  // Sign in with Microsoft: the redirect to Microsoft, its single-use callback bound to the browser by a cookie,
  // and the portal code after it (for a pending flow only).
  "GET /api/auth/microsoft/start",
  "GET /api/auth/microsoft/callback",
  "POST /api/auth/microsoft/two-factor",
  // White-label branding: the sign-in page's brand (by host name) and the logos it shows; nothing secret.
  "GET /api/brand",
  "GET /api/brand/logo/:accountId",
]);

/**
 * Routes that only make sense in one kind of account (their own policy refuses others with 403) run with an
 * acting account of that kind. Everything else acts in a partner.
 */
const ACTING_KIND: Record<string, "operator" | "partner"> = {
  "GET /api/accounts/:accountId/operator-settings": "operator",
  "PUT /api/accounts/:accountId/operator-settings": "operator",
  "POST /api/accounts/:accountId/operator-settings/dns-test": "operator",
  "PATCH /api/accounts/:accountId/operator-settings": "operator",
  "GET /api/accounts/:accountId/carrier-trunk": "operator",
  "PUT /api/accounts/:accountId/carrier-trunk": "operator",
  "POST /api/accounts/:accountId/carrier-trunk/connect": "operator",
  "POST /api/accounts/:accountId/carrier-trunk/apply": "operator",
};

/** URL fragments whose routes only Admins may use. */
export const ADMIN_ONLY_FRAGMENTS = ["/users", "/audit", "/api-keys"];

interface Fixture {
  db: Database;
  own: Account;
  foreign: Account;
}

interface SampleIds {
  param: string;
  /** The routes whose `param` means this kind of record. */
  routes: RegExp;
  /** A record in the acting account and one in an account the caller cannot reach (fresh for every route). */
  make(f: Fixture): Promise<{ own: string; foreign: string }>;
}

const SAMPLE_IDS: SampleIds[] = [
  {
    param: "userId",
    routes: /^\/api\/accounts\/:accountId\/users\/:userId/,
    async make({ db, own, foreign }) {
      const insert = async (account: Account) => {
        const [row] = await db
          .insert(portalUsers)
          .values({
            accountId: account.id,
            email: `sample-${randomUUID()}@example.test`,
            name: "Sample",
            role: "User",
            status: "invited",
          })
          .returning();
        return row!.id;
      };
      return { own: await insert(own), foreign: await insert(foreign) };
    },
  },
];
const sampleFor = (route: RegisteredRoute, param: string) =>
  SAMPLE_IDS.find((sample) => sample.param === param && sample.routes.test(route.url));

/** Valid bodies, so that a foreign id reaches the handler (and must answer 404 there). */
const SAMPLE_BODIES: Record<string, unknown> = {
  "PATCH /api/accounts/:accountId/users/:userId": { role: "Read-only" },
};

/**
 * Routes whose handler enforces a stricter role than `config.access` declares. Keep this list empty:
 * an entry means the declaration should be fixed (then delete the entry).
 */
export type Caller = "anonymous" | "Read-only" | "User" | "Admin" | "sibling Admin";

/**
 * How the callers prove who they are: `session` (a signed-in portal user: cookie + CSRF token) or `api-key`
 * (`Authorization: Bearer`, a key of that role in that account). A key acts exactly as a user of its role,
 * except that it is refused (403) on `session` routes and on account routes declaring `apiKeys: false`.
 */
export type Credentials = "session" | "api-key";

function expected(
  route: RegisteredRoute,
  caller: Caller,
  credentials: Credentials,
): "allowed" | 401 | 403 | 404 {
  const { access } = route;
  if (access.kind === "public") return "allowed";
  if (caller === "anonymous") return 401;
  if (access.kind === "session") return credentials === "api-key" ? 403 : "allowed";
  if (caller === "sibling Admin") return 404;
  const permission = access.permission;
  if (caller === "Read-only" && permission !== "read") return 403;
  if (caller === "User" && (permission === "manage-users" || permission === "administer")) return 403;
  if (credentials === "api-key" && access.apiKeys === false) return 403;
  return "allowed";
}

/** Request headers of a caller of `role` in `account`, by the given credentials. */
function callerOf(
  credentials: Credentials,
  db: Database,
  account: Account,
  role: "Read-only" | "User" | "Admin",
) {
  return credentials === "api-key" ? createApiKey(db, account, role) : createSignedInUser(db, account, role);
}

export const key = (route: RegisteredRoute) => `${route.method} ${route.url}`;

export const CALLERS: Caller[] = ["anonymous", "Read-only", "User", "Admin", "sibling Admin"];

export interface AuthorizationMatrix {
  /** Requests sent: every route × every caller, plus foreign and malformed ids as an Admin. */
  tried: number;
  /** A caller who must be refused (401/403/404) got an answer below 400. */
  leaks: string[];
  /** Any answer other than the expected one (leaks included). */
  failures: string[];
}

/** Tries every route as every kind of caller (see the comment above) and reports what went wrong. */
export async function tryEveryRouteAndRole(
  app: FastifyInstance,
  db: Database,
  routes: RegisteredRoute[],
  tree: Awaited<ReturnType<typeof createAccountTree>>,
  otherOperator: Account,
  credentials: Credentials = "session",
): Promise<AuthorizationMatrix> {
  let tried = 0;
  const leaks: string[] = [];
  const failures: string[] = [];
  for (const route of routes) {
    // The acting account, an unreachable one beside it, and (for partners) the account above it.
    const scenario =
      ACTING_KIND[key(route)] === "operator"
        ? { own: tree.operator, foreign: otherOperator, parent: null }
        : { own: tree.partner, foreign: tree.sibling, parent: tree.operator };
    const fixture: Fixture = { db, own: scenario.own, foreign: scenario.foreign };
    const paramNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const own: Record<string, string> = {};
    const foreign: Record<string, string> = {};
    for (const name of paramNames) {
      const sampler = sampleFor(route, name);
      if (name === "accountId") {
        own[name] = scenario.own.id;
        foreign[name] = scenario.foreign.id;
      } else if (sampler) {
        const sample = await sampler.make(fixture);
        own[name] = sample.own;
        foreign[name] = sample.foreign;
      } else {
        own[name] = randomUUID();
        foreign[name] = randomUUID();
      }
    }
    const url = (values: Record<string, string>) =>
      route.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name]!).replace("*", "x");
    const payload =
      route.method === "GET" || route.method === "DELETE" ? undefined : (SAMPLE_BODIES[key(route)] ?? {});
    const send = (headers: Record<string, string>, target = url(own)) => {
      tried++;
      return app.inject({
        method: route.method as InjectOptions["method"],
        url: target,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
    };

    // Fresh callers per route: some routes (sign out everywhere, delete) end their caller's session or data.
    const users = {
      "Read-only": await callerOf(credentials, db, scenario.own, "Read-only"),
      User: await callerOf(credentials, db, scenario.own, "User"),
      Admin: await callerOf(credentials, db, scenario.own, "Admin"),
      "sibling Admin": await callerOf(credentials, db, scenario.foreign, "Admin"),
    };
    const callers: [Caller, Record<string, string>][] = [
      ["anonymous", {}],
      ["sibling Admin", users["sibling Admin"].headers],
      ["Read-only", users["Read-only"].headers],
      ["User", users.User.headers],
    ];

    // Foreign ids first (as an Admin of the acting account), before any call may change the samples.
    if (route.access.kind === "account") {
      const targets: [string, string][] = [
        ["a sibling account", url({ ...own, accountId: scenario.foreign.id })],
        ["a malformed account id", url({ ...own, accountId: "not-a-uuid" })],
      ];
      if (scenario.parent) targets.push(["a parent account", url({ ...own, accountId: scenario.parent.id })]);
      for (const [label, target] of targets) {
        const response = await send(users.Admin.headers, target);
        if (response.statusCode < 400) leaks.push(`${key(route)} with ${label}: ${response.statusCode}`);
        if (response.statusCode !== 404)
          failures.push(`${key(route)} with ${label}: ${response.statusCode}, expected 404`);
      }
      for (const name of paramNames.filter((n) => n !== "accountId" && sampleFor(route, n))) {
        const response = await send(users.Admin.headers, url({ ...own, [name]: foreign[name]! }));
        // Without a valid sample body, validation may answer 400 before the handler looks the id up.
        const acceptable = payload === undefined || SAMPLE_BODIES[key(route)] ? [404] : [400, 404];
        if (response.statusCode < 400)
          leaks.push(`${key(route)} with a foreign ${name}: ${response.statusCode}`);
        if (!acceptable.includes(response.statusCode)) {
          failures.push(`${key(route)} with a foreign ${name}: ${response.statusCode}, expected 404`);
        }
      }
    }

    callers.push(["Admin", users.Admin.headers]);
    for (const [caller, headers] of callers) {
      const response = await send(headers);
      const want = expected(route, caller, credentials);
      const got = response.statusCode;
      const ok = want === "allowed" ? got !== 401 && got !== 403 && got < 500 : got === want;
      if (want !== "allowed" && got < 400) leaks.push(`${key(route)} as ${caller}: ${got}, expected ${want}`);
      if (!ok)
        failures.push(
          `${key(route)} as ${caller} (${credentials}): ${got}, expected ${want} (${response.body.slice(0, 160)})`,
        );
    }
  }
  return { tried, leaks, failures };
}
