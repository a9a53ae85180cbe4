import { existsSync } from "node:fs";
import path from "node:path";
import { validate } from "@readme/openapi-parser";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestApp, type TestApp } from "./support/test-app.js";

const probeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/api/probe/echo",
    {
      config: { access: { kind: "public" } },
      schema: { body: z.object({ email: z.email(), port: z.number().int().min(1).max(65535) }) },
    },
    async (request) => request.body,
  );
  app.get("/api/probe/boom", { config: { access: { kind: "public" } } }, async () => {
    throw new Error("database exploded: secret detail");
  });
};

describe("HTTP foundation", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(
      {},
      {
        workers: false,
        beforeReady: async (app) => {
          await app.register(probeRoutes);
        },
      },
    );
  });
  afterAll(() => t?.stop());

  it("answers /healthz and /readyz", async () => {
    expect((await t.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const ready = await t.app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", database: true, jobQueue: true });
  });

  it("returns 400 problem+json naming each malformed field", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/probe/echo",
      payload: { email: "not-an-email", port: 70000 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json();
    expect(body).toMatchObject({ status: 400, title: "Bad Request" });
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["email", "port"]);
  });

  it("returns 404 problem+json for an unknown route", async () => {
    const response = await t.app.inject({ url: "/api/nothing-here" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json()).toMatchObject({ status: 404, title: "Not Found" });
  });

  it("hides internal errors and logs them with the request id", async () => {
    const response = await t.app.inject({
      url: "/api/probe/boom",
      headers: { "x-request-id": "req-test-12345" },
    });
    expect(response.statusCode).toBe(500);
    expect(response.headers["x-request-id"]).toBe("req-test-12345");
    const body = response.json();
    expect(body.requestId).toBe("req-test-12345");
    expect(JSON.stringify(body)).not.toContain("exploded");
    expect(JSON.stringify(body)).not.toContain("at ");
    const logged = t.logs.find((line) => line.reqId === "req-test-12345" && line.level === 50);
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain("database exploded");
  });

  it("serves a valid OpenAPI 3.1 document and the API reference", async () => {
    const spec = (await t.app.inject({ url: "/api/openapi.json" })).json();
    expect(spec.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(spec));
    expect(result.valid, JSON.stringify(result)).toBe(true);
    const docs = await t.app.inject({ url: "/api/docs/" });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-type"]).toContain("text/html");
  });

  it("sends security headers and redacts secrets from logs", async () => {
    const response = await t.app.inject({ url: "/healthz" });
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    t.app.log.info({ password: "hunter2-hunter2", nested: { token: "abc" } }, "probe");
    expect(JSON.stringify(t.logs)).not.toContain("hunter2-hunter2");
  });

  it("uses the configured external database and starts no embedded one", () => {
    expect(t.deps.config.usesEmbeddedPostgres).toBe(false);
    expect(existsSync(path.join(t.deps.config.dataDir, "postgres"))).toBe(false);
  });
});
