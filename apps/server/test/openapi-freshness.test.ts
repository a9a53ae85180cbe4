import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/test-app.js";

const root = path.resolve(import.meta.dirname, "../../..");

describe("committed OpenAPI document", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
  });
  afterAll(() => t?.stop());

  it("matches the routes, so the web client's generated types cannot drift", async () => {
    const committed = JSON.parse(await readFile(path.join(root, "apps/server/openapi.json"), "utf8"));
    const live = (await t.app.inject({ url: "/api/openapi.json" })).json();
    expect(live, "run: npm run openapi -w apps/server && npm run generate -w packages/client").toEqual(
      committed,
    );
  });
});
