import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script (node scripts/generate.mjs), no type declarations.
import { generateSchema, schemaPath } from "../scripts/generate.mjs";

describe("the client's generated types", () => {
  it("match apps/server/openapi.json, so the client cannot drift from the API", async () => {
    const committed = await readFile(schemaPath as string, "utf8");
    expect(committed === (await generateSchema()), "run: npm run generate -w packages/client").toBe(true);
  });
});
