import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../src/config/config.js";

describe("docs/configuration.md", () => {
  it("documents every environment variable the server reads", async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, "../../../docs/configuration.md"), "utf8");
    const undocumented = Object.keys(configSchema.shape).filter((name) => !doc.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });
});
