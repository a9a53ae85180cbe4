import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionedUsers } from "../src/modules/teams-users/schema.js";
import { webhookDeliveryJob } from "../src/modules/webhooks/delivery.js";
import { emitEvent } from "../src/modules/webhooks/emit.js";
import { webhookRepository } from "../src/modules/webhooks/repository.js";
import { webhookDeliveries, webhookEvents } from "../src/modules/webhooks/schema.js";
import { webhookService } from "../src/modules/webhooks/service.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real local receiver: each path answers from its script (status, headers), then 200 for good. */
function receiver() {
  const received: Received[] = [];
  const scripts = new Map<string, { status: number; headers?: Record<string, string> }[]>();
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body, at: Date.now() });
      const next = scripts.get(path)?.shift() ?? { status: 200 };
      response.writeHead(next.status, next.headers ?? {});
      response.end(next.status < 300 ? "ok" : `refused with ${next.status}`);
    });
  });
  return { server, received, scripts };
}

describe("Webhooks (issue 15, 3)", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerAdmin: SignedInUser;
  let siblingAdmin: SignedInUser;
  const local = receiver();
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOKS_ALLOW_PRIVATE: "loopback" });
    tree = await createAccountTree(t.deps.db);
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    siblingAdmin = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    await new Promise<void>((resolve) => local.server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(local.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.stop();
    local.server.close();
  });

  async function addEndpoint(admin: SignedInUser, accountId: string, path: string, eventTypes: string[]) {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${accountId}/webhooks`,
      headers: admin.headers,
      payload: { url: `${base}${path}`, eventTypes },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { endpoint: { id: string }; secret: string };
  }

  const emit = (accountId: string, userPrincipalName: string) =>
    t.deps.db.transaction((tx) =>
      emitEvent(tx, {
        accountId,
        type: "calling.enabled",
        data: { enterpriseId: accountId, userId: crypto.randomUUID(), userPrincipalName },
      }),
    );

  async function deliveries(admin: SignedInUser, accountId: string, endpointId: string) {
    const response = await t.app.inject({
      url: `/api/accounts/${accountId}/webhooks/${endpointId}/deliveries`,
      headers: admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return (
      response.json() as { items: { id: string; status: string; attempts: number; [k: string]: unknown }[] }
    ).items;
  }

  it("delivers an emitted event signed per Standard Webhooks to the partner's endpoint, and nothing to a sibling partner's", async () => {
    const mine = await addEndpoint(partnerAdmin, tree.partner.id, "/partner", ["calling.enabled"]);
    const sibling = await addEndpoint(siblingAdmin, tree.sibling.id, "/sibling", ["calling.enabled"]);
    expect(mine.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    await emit(tree.enterprise.id, "alice@contoso.test");
    const [delivered] = await waitFor("the partner's delivery", async () => {
      const items = await deliveries(partnerAdmin, tree.partner.id, mine.endpoint.id);
      return items[0]?.status === "delivered" ? items : null;
    });
    expect(delivered).toMatchObject({ attempts: 1, lastResponseCode: 200, eventType: "calling.enabled" });
    const request = local.received.find((r) => r.path === "/partner")!;
    const verified = new Webhook(mine.secret).verify(request.body, {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    });
    expect(verified).toMatchObject({
      type: "calling.enabled",
      accountId: tree.enterprise.id,
      data: { userPrincipalName: "alice@contoso.test" },
    });
    // A wrong secret does not verify: the signature really depends on it.
    expect(() =>
      new Webhook(sibling.secret).verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      }),
    ).toThrow();

    // The sibling's own event reaches the sibling: once it has, the earlier event was surely not for it.
    await emit(tree.siblingEnterprise.id, "bob@fabrikam.test");
    const siblingLog = await waitFor("the sibling's delivery", async () => {
      const items = await deliveries(siblingAdmin, tree.sibling.id, sibling.endpoint.id);
      return items[0]?.status === "delivered" ? items : null;
    });
    expect(siblingLog).toHaveLength(1);
    const siblingBodies = local.received.filter((r) => r.path === "/sibling").map((r) => JSON.parse(r.body));
    expect(siblingBodies.map((b) => b.data.userPrincipalName)).toEqual(["bob@fabrikam.test"]);
    expect(await deliveries(partnerAdmin, tree.partner.id, mine.endpoint.id)).toHaveLength(1);
  });

  it("retries after a 500 and delivers when the receiver recovers", async () => {
    local.scripts.set("/flaky", [{ status: 500 }]);
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/flaky", ["calling.enabled"]);
    await emit(tree.enterprise.id, "carol@contoso.test");
    const [delivery] = await waitFor("the retried delivery", async () => {
      const items = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return items[0]?.status === "delivered" ? items : null;
    });
    expect(delivery).toMatchObject({ attempts: 2, lastResponseCode: 200 });
    const attempts = local.received.filter((r) => r.path === "/flaky");
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.headers["webhook-id"]).toBe(attempts[0]!.headers["webhook-id"]);
  });

  it("honours Retry-After on 429 and 503", async () => {
    local.scripts.set("/busy", [
      { status: 429, headers: { "retry-after": "3" } },
      { status: 503, headers: { "retry-after": "2" } },
    ]);
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/busy", ["calling.enabled"]);
    await emit(tree.enterprise.id, "dave@contoso.test");
    const first = await waitFor("the first refusal logged", async () => {
      const [item] = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return item?.attempts === 1 ? item : null;
    });
    expect(first.lastResponseCode).toBe(429);
    expect(Date.parse(String(first.nextAttemptAt)) - Date.parse(String(first.lastAttemptAt))).toBe(3000);
    await waitFor("the delivery", async () => {
      const [item] = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return item?.status === "delivered" ? item : null;
    });
    const attempts = local.received.filter((r) => r.path === "/busy");
    expect(attempts).toHaveLength(3);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(3000);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(2000);
  });

  it("refuses private, link-local, CGNAT and unique-local addresses when saving, and non-http URLs", async () => {
    for (const url of [
      "http://10.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://100.64.0.1/hook",
      "http://192.168.1.10/hook",
      "http://[fd00::1]/hook",
      "http://[::ffff:10.0.0.1]/hook",
      "http://[fe80::1]/hook",
      "ftp://example.com/hook",
    ]) {
      const response = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/webhooks`,
        headers: partnerAdmin.headers,
        payload: { url, eventTypes: ["user.provisioned"] },
      });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json().errors[0].field, url).toBe("url");
    }
  });

  it("refuses localhost when loopback is not allowed, at save time and again at delivery time", async () => {
    const strict = {
      db: t.deps.db,
      secrets: t.deps.secrets,
      config: { WEBHOOKS_ALLOW_PRIVATE: "off" as const },
    };
    const service = webhookService({ ...strict, webhooks: webhookRepository(t.deps.db) });
    const audit = { actor: null, ip: "127.0.0.1", requestId: "test" } as never;
    for (const url of [`${base}/x`, "http://localhost:9/x", "http://[::1]:9/x"]) {
      await expect(
        service.create(
          tree.partner,
          { url, eventTypes: ["user.failed"], enabled: true, description: "" },
          audit,
        ),
      ).rejects.toMatchObject({ status: 400, errors: [{ field: "url" }] });
    }
    // Saved while loopback was allowed; the delivery finds it refused now (DNS or the policy can change).
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/later-refused", ["user.failed"]);
    // Emitted with its delivery marked queued, so only the strict job below attempts it.
    await t.deps.db.transaction(async (tx) => {
      await emitEvent(tx, {
        accountId: tree.enterprise.id,
        type: "user.failed",
        data: {
          enterpriseId: tree.enterprise.id,
          userId: crypto.randomUUID(),
          userPrincipalName: "e@x",
          error: "no",
        },
      });
      await tx
        .update(webhookDeliveries)
        .set({ enqueuedAt: new Date() })
        .where(eq(webhookDeliveries.endpointId, endpoint.endpoint.id));
    });
    const [row] = await t.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpoint.endpoint.id));
    const job = webhookDeliveryJob(strict);
    await job.handle(
      { deliveryId: row!.id },
      { jobId: "test", attempt: 0, log: t.deps.log, signal: new AbortController().signal },
    );
    const [after] = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
    expect(after).toMatchObject({ status: "failed", attempts: 1, lastResponseCode: null });
    expect(String(after!.lastError)).toMatch(/^Refused: .*loopback address/);
    expect(local.received.filter((r) => r.path === "/later-refused")).toHaveLength(0);
  });

  it("redelivers a delivery from the log with the same webhook-id", async () => {
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/again", ["calling.enabled"]);
    await emit(tree.enterprise.id, "erin@contoso.test");
    const [delivered] = await waitFor("the first delivery", async () => {
      const items = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return items[0]?.status === "delivered" ? items : null;
    });
    const redeliver = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/webhooks/${endpoint.endpoint.id}/deliveries/${delivered!.id}/redeliver`,
      headers: partnerAdmin.headers,
    });
    expect(redeliver.statusCode, redeliver.body).toBe(202);
    await waitFor(
      "the second arrival",
      async () => local.received.filter((r) => r.path === "/again").length === 2,
    );
    const arrivals = local.received.filter((r) => r.path === "/again");
    expect(arrivals[1]!.headers["webhook-id"]).toBe(arrivals[0]!.headers["webhook-id"]);
    await waitFor("the log shows it delivered again", async () => {
      const [item] = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return item?.status === "delivered" && item.attempts === 1 && item.id === delivered!.id;
    });
  });

  it("lets only Admins of the account manage its endpoints; another partner's endpoint is not found", async () => {
    const user = await createSignedInUser(t.deps.db, tree.partner, "User");
    const asUser = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/webhooks`,
      headers: user.headers,
    });
    expect(asUser.statusCode).toBe(403);
    const endpoint = await addEndpoint(siblingAdmin, tree.sibling.id, "/private", ["user.provisioned"]);
    const foreign = await t.app.inject({
      url: `/api/accounts/${tree.sibling.id}/webhooks/${endpoint.endpoint.id}/deliveries`,
      headers: partnerAdmin.headers,
    });
    expect(foreign.statusCode).toBe(404);
  });
  it("Enable/Disable Calling emits calling.enabled / calling.disabled with the change, delivered to the partner", async () => {
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/calling", [
      "calling.enabled",
      "calling.disabled",
    ]);
    const [user] = await t.deps.db
      .insert(provisionedUsers)
      .values({
        enterpriseAccountId: tree.enterprise.id,
        teamsUserObjectId: "object-calling-1",
        userPrincipalName: "frank@contoso.test",
        pbxLocation: "HQ",
        regionId: crypto.randomUUID(),
        sipUser: "2001",
        phoneNumber: "+12065550199",
        callingEnabled: false,
        status: "done",
      })
      .returning();
    for (const action of ["enable-calling", "disable-calling"]) {
      const response = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.enterprise.id}/teams-users/${user!.id}/${action}`,
        headers: partnerAdmin.headers,
      });
      expect(response.statusCode, response.body).toBe(202);
    }
    await waitFor("both deliveries", async () => {
      const items = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return items.length === 2 && items.every((i) => i.status === "delivered");
    });
    const bodies = local.received.filter((r) => r.path === "/calling").map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(["calling.disabled", "calling.enabled"]);
    expect(bodies[0].data).toEqual({
      enterpriseId: tree.enterprise.id,
      userId: user!.id,
      userPrincipalName: "frank@contoso.test",
    });
  });

  it("records no event when the change's transaction rolls back", async () => {
    const before = await t.deps.db.select().from(webhookEvents);
    await expect(
      t.deps.db.transaction(async (tx) => {
        await emitEvent(tx, {
          accountId: tree.enterprise.id,
          type: "setup.completed",
          data: { enterpriseId: tree.enterprise.id },
        });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await t.deps.db.select().from(webhookEvents)).toHaveLength(before.length);
  });
  it("a bulk import's completion emits bulk-import.finished to the endpoints above the enterprise", async () => {
    const endpoint = await addEndpoint(partnerAdmin, tree.partner.id, "/imports", ["bulk-import.finished"]);
    const enterprise = await createAccount(t.deps.db, "enterprise", tree.partner, "Enterprise A-import");
    await enterpriseWithSyncedUsers(t.deps.db, enterprise, 3);
    const csv = [
      "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices",
      "user00000@contoso.example,7000,+14255558000,,,,,d0:Pw000000",
    ].join("\n");
    const preview = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterprise.id}/teams-users/imports?fileName=users.csv`,
      headers: { ...partnerAdmin.headers, "content-type": "text/csv" },
      payload: csv,
    });
    expect(preview.statusCode, preview.body).toBe(201);
    const importId = preview.json().id as string;
    const apply = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterprise.id}/teams-users/imports/${importId}/apply`,
      headers: partnerAdmin.headers,
    });
    expect(apply.statusCode, apply.body).toBe(202);
    await waitFor("the import's delivery", async () => {
      const items = await deliveries(partnerAdmin, tree.partner.id, endpoint.endpoint.id);
      return items[0]?.status === "delivered";
    });
    const [body] = local.received.filter((r) => r.path === "/imports").map((r) => JSON.parse(r.body));
    expect(body).toMatchObject({
      type: "bulk-import.finished",
      accountId: enterprise.id,
      data: { enterpriseId: enterprise.id, importId, status: "completed" },
    });
  });
});
