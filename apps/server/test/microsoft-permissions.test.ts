import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DEMO_APP_PERMISSIONS } from "@sip2teams/m365-emulator";
import { describe, expect, it } from "vitest";
import { TEAMS_ADMINISTRATOR_ROLE } from "../src/modules/microsoft/graph-client.js";
import {
  APPLICATION_PERMISSIONS,
  DIRECTORY_ROLE,
  GRAPH_CALLS,
} from "../src/modules/microsoft/permissions.js";

const SRC = path.resolve(import.meta.dirname, "../src/modules");

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(full)));
    else if (entry.name.endsWith(".ts")) out.push(full);
  }
  return out;
}

/** The path of every Graph call in the code: `<client>.get|post|put|patch|delete(<path literal>`. */
async function graphPathsInCode(): Promise<{ file: string; path: string }[]> {
  const found: { file: string; path: string }[] = [];
  const call =
    /\b(?:api|graph|delta)\.(?:get|post|put|patch|delete)\s*(?:<(?:[^<>]|<[^<>]*>)*>)?\(\s*[`"']([^`"']+)/g;
  for (const file of await sources(SRC)) {
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(call)) found.push({ file: path.relative(SRC, file), path: m[1]! });
  }
  return found;
}

describe("Microsoft permissions: code, table, emulator and docs agree", () => {
  it("every Graph call in the code has a permission in the table", async () => {
    const calls = await graphPathsInCode();
    expect(calls.length).toBeGreaterThan(15);
    const unmapped = calls.filter((c) => !GRAPH_CALLS.some((g) => g.path.test(c.path)));
    expect(unmapped).toEqual([]);
    // Each table row is used: a permission nothing needs would be requested for nothing.
    const unused = GRAPH_CALLS.filter((g) => !calls.some((c) => g.path.test(c.path))).map((g) => g.call);
    expect(unused).toEqual([]);
  });

  it("the emulator grants the demo app exactly these permissions, and it enforces them per call", () => {
    expect([...DEMO_APP_PERMISSIONS].sort()).toEqual(APPLICATION_PERMISSIONS);
  });

  it("docs/operations.md lists exactly these application permissions and the directory role", async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, "../../../docs/operations.md"), "utf8");
    const section = doc.slice(
      doc.indexOf("## Microsoft app registration"),
      doc.indexOf("## Customer tenants"),
    );
    const line = section.slice(
      section.indexOf("Application permissions"),
      section.indexOf("\n- ", section.indexOf("Application permissions")),
    );
    const listed = [...line.matchAll(/`([A-Za-z]+(?:\.[A-Za-z]+)+)`/g)].map((m) => m[1]!).sort();
    expect(listed).toEqual(APPLICATION_PERMISSIONS);
    expect(section).toContain(DIRECTORY_ROLE.name);
    expect(DIRECTORY_ROLE.id).toBe(TEAMS_ADMINISTRATOR_ROLE);
  });
});
