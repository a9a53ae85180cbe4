import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, graph, type Json, startDemo, TEAMS_SCOPE } from "./helpers.js";

let emu: StartedEmulator;
let graphToken: string;
let teamsToken: string;
beforeAll(async () => {
  emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id, [ROLE.TEAMS_ADMINISTRATOR]);
  graphToken = await appToken(emu, CONTOSO.id);
  teamsToken = await appToken(emu, CONTOSO.id, TEAMS_SCOPE);
});
afterAll(() => emu?.close());

async function teamsAdmin(path: string) {
  const res = await fetch(`${emu.teamsAdminUrl}${path}`, {
    headers: { authorization: `Bearer ${teamsToken}`, accept: "application/json" },
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

async function cmdlet(name: string) {
  const res = await fetch(`${emu.url}/_emulator/pwsh/invoke/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${teamsToken}`, "content-type": "application/json" },
    body: JSON.stringify({ cmdlet: name, parameters: {} }),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

/** Calls until the first 429 (a slow refill cannot outpace the loop), returning it. */
async function exhaust(call: () => Promise<{ status: number; retryAfter: string | null }>) {
  for (let i = 0; i < 50; i++) {
    const r = await call();
    if (r.status === 429) return r;
    expect(r.status).toBe(200);
  }
  throw new Error("never throttled");
}

describe("Graph and Teams admin have separate throttles", () => {
  // A refill of one token per 1,000 s: nothing refills while a test runs, however busy the machine is.
  const slow = { capacity: 3, refillPerSecond: 0.001, tenantId: "contoso" };

  it("an exhausted Graph budget does not throttle Teams admin (HTTP or cmdlets)", async () => {
    emu.state.clearFaults();
    emu.state.setFaults({ throttle: slow, teamsAdminThrottle: { ...slow, capacity: 100 } });
    const throttled = await exhaust(async () => {
      const r = await graph(emu, graphToken, "GET", "/organization");
      return { status: r.status, retryAfter: r.headers.get("retry-after") };
    });
    expect(Number(throttled.retryAfter)).toBeGreaterThan(100);
    expect((await graph(emu, graphToken, "GET", "/organization")).status).toBe(429);
    expect((await teamsAdmin("/Teams.User/users")).status).toBe(200);
    expect((await cmdlet("Get-CsOnlinePstnUsage")).status).toBe(200);
    emu.state.clearFaults();
  });

  it("an exhausted Teams admin budget (per tenant, HTTP and cmdlets together) does not throttle Graph", async () => {
    emu.state.clearFaults();
    emu.state.setFaults({ throttle: { ...slow, capacity: 100 }, teamsAdminThrottle: slow });
    // HTTP reads and cmdlets draw on the same Teams admin bucket.
    expect((await teamsAdmin("/Teams.User/users")).status).toBe(200);
    expect((await cmdlet("Get-CsOnlinePstnUsage")).status).toBe(200);
    const throttled = await exhaust(() => cmdlet("Get-CsOnlinePstnUsage"));
    // Its own Retry-After: the time until this bucket (refill 0.001/s) holds a token again.
    expect(Number(throttled.retryAfter)).toBeGreaterThan(100);
    expect((await teamsAdmin("/Teams.User/users")).status).toBe(429);
    expect((await graph(emu, graphToken, "GET", "/organization")).status).toBe(200);
    expect((await graph(emu, graphToken, "GET", "/users?$top=1")).status).toBe(200);
    emu.state.clearFaults();
  });
});

describe("a stale delta link after a state reset", () => {
  it("answers 410 syncStateNotFound with a Location to a fresh round, even when the change counter caught up", async () => {
    const select = "id,userPrincipalName";
    let page = await graph(emu, graphToken, "GET", `/users/delta?$select=${select}&$top=999`);
    expect(page.status).toBe(200);
    const deltaLink: string = page.body["@odata.deltaLink"];
    // A nextLink from before the reset is stale too.
    const paged = await graph(emu, graphToken, "GET", `/users/delta?$select=${select}&$top=5`);
    const nextLink: string = paged.body["@odata.nextLink"];
    expect(nextLink).toContain("$skiptoken=");

    emu.state.reset();
    consentDemoApp(emu, CONTOSO.id, [ROLE.TEAMS_ADMINISTRATOR]);
    graphToken = await appToken(emu, CONTOSO.id);
    // As many changes after the reset as before it: a change counter alone could not tell the links apart.
    for (let i = 0; i < 3; i++) {
      const r = await graph(emu, graphToken, "PATCH", "/users/user1@contoso.example", { jobTitle: `T${i}` });
      expect(r.status).toBe(204);
    }

    for (const link of [deltaLink, nextLink]) {
      const stale = await graph(emu, graphToken, "GET", link.slice(link.indexOf("/users")));
      expect(stale.status).toBe(410);
      expect(stale.body.error.code).toBe("syncStateNotFound");
      expect(stale.body.error.message).toMatch(/must be synchronized again/);
      const location = stale.headers.get("location") ?? "";
      expect(location).toMatch(/\/users\/delta\?\$select=id%2CuserPrincipalName$/);
      expect(location).not.toContain("deltatoken");
    }

    // The Location starts a full round, which gives a working delta link again.
    page = await graph(emu, graphToken, "GET", `/users/delta?$select=${select}&$top=999`);
    expect(page.body.value.length).toBe(50);
    const fresh: string = page.body["@odata.deltaLink"];
    const changes = await graph(emu, graphToken, "GET", fresh.slice(fresh.indexOf("/users")));
    expect(changes.status).toBe(200);
    expect(changes.body.value as Json[]).toEqual([]);
  });
});

describe("every Microsoft delay follows the one time factor", () => {
  it("number operations and the Teams-side sync delay are scaled (0 = at once, 1 = as configured)", async () => {
    const state = emu.state;
    const saved = { ...state.settings };
    try {
      state.settings.timeFactor = 1;
      state.settings.operationDelayMs = 3_600_000;
      state.settings.teamsSyncDelayMs = 3_600_000;
      state.settings.timeFactor = 0;

      // Over Graph: with the factor at 0, an hour-long operation is over by the first poll.
      const numbers = await graph(
        emu,
        graphToken,
        "GET",
        "/admin/teams/telephoneNumberManagement/numberAssignments?$filter=assignmentStatus eq 'unassigned'",
      );
      const free = (numbers.body.value as Json[]).find((n) => n.numberType === "directRouting");
      const user = await graph(emu, graphToken, "GET", "/users/user1@contoso.example?$select=id");
      const start = await graph(
        emu,
        graphToken,
        "POST",
        "/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber",
        {
          telephoneNumber: free.telephoneNumber,
          assignmentTargetId: user.body.id,
          numberType: "directRouting",
          assignmentCategory: "primary",
        },
      );
      expect(start.status).toBe(202);
      const location = start.headers.get("location") ?? "";
      const op = await graph(emu, graphToken, "GET", location.slice(location.indexOf("/admin")));
      expect(op.body.status).toBe("succeeded");

      // A user created now reaches the Teams side at once with the factor at 0, an hour later with it at 1.
      const created = await graph(emu, graphToken, "POST", "/users", {
        accountEnabled: true,
        displayName: "Scaled Sync",
        mailNickname: "scaled-sync",
        userPrincipalName: "scaled-sync@contoso.example",
        passwordProfile: { password: "Scaled-Sync-1!" },
      });
      expect(created.status).toBe(201);
      const config = `/admin/teams/userConfigurations/${created.body.id}`;
      expect((await graph(emu, graphToken, "GET", config)).status).toBe(200);
      state.settings.timeFactor = 1;
      expect((await graph(emu, graphToken, "GET", config)).status).toBe(404);
      expect(state.operationDelay()).toBe(3_600_000);
      state.settings.timeFactor = 0.001;
      expect(state.operationDelay()).toBe(3_600);
    } finally {
      Object.assign(state.settings, saved);
    }
  });
});

describe("restart on the same port", () => {
  it("stop() takes the port down, start() serves the same state and accepts tokens issued before", async () => {
    const before = await graph(emu, graphToken, "PATCH", "/users/user1@contoso.example", {
      jobTitle: "Before restart",
    });
    expect(before.status).toBe(204);
    const generation = emu.state.generation;
    await emu.stop();
    await expect(graph(emu, graphToken, "GET", "/organization")).rejects.toThrow();
    await emu.start();
    const after = await graph(emu, graphToken, "GET", "/users/user1@contoso.example?$select=jobTitle");
    expect(after.status).toBe(200);
    expect(after.body.jobTitle).toBe("Before restart");
    // The state survived, so delta links from before a restart stay valid.
    expect(emu.state.generation).toBe(generation);
    expect(emu.state.requests(CONTOSO.id).some((e) => e.method === "PATCH")).toBe(true);
  });
});
