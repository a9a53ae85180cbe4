import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The import rules of docs/architecture.md ("Layers and module surface") as scripts/check-architecture.mjs
 * finds them: the module cycles of the real tree are exactly those its baseline still lists, so a new
 * cycle fails the tests as well as npm run check.
 */

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const script = path.join(repoRoot, "scripts/check-architecture.mjs");
const fixture = fileURLToPath(new URL("./fixtures/architecture/src", import.meta.url));

interface Findings {
  files: number;
  unplaced: string[];
  violations: { key: string; rule: "layer" | "module-internals"; from: string; to: string; reason: string }[];
  moduleCycles: { components: string[][]; cycles: string[][]; edges: { edge: string; imports: string[] }[] };
  tableExports: { key: string; from: string; table: string; to: string }[];
}

async function findings(src?: string): Promise<Findings> {
  const args = [script, "--json", ...(src ? ["--src", src] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    cwd: repoRoot,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as Findings;
}

describe("architecture: layers, module surface, module cycles", () => {
  it("lists exactly the module cycle edges of the baseline in the real tree", async () => {
    const baseline = JSON.parse(
      await readFile(path.join(repoRoot, "apps/server/architecture-baseline.json"), "utf8"),
    ) as { moduleCycleEdges: string[] };
    const real = await findings();
    expect(real.files).toBeGreaterThan(100);
    expect(real.unplaced).toEqual([]);
    expect(real.moduleCycles.edges.map((edge) => edge.edge)).toEqual(baseline.moduleCycleEdges);
  });

  it("finds no module whose index.ts exports a table, but tenancy's accounts, in the real tree", async () => {
    expect((await findings()).tableExports).toEqual([]);
  });

  it("reports a table exported by an index.ts, by name or through export *, but not types or constants", async () => {
    const found = await findings(fixture);
    expect(found.tableExports).toEqual([
      {
        key: "table-export: modules/tenancy/index.ts → accountInvitations",
        from: "modules/tenancy/index.ts",
        table: "accountInvitations",
        to: "modules/tenancy/schema.ts",
      },
      {
        key: "table-export: modules/trunks/index.ts → trunkProfiles",
        from: "modules/trunks/index.ts",
        table: "trunkProfiles",
        to: "modules/trunks/schema.ts",
      },
    ]);
  });

  it("detects a synthetic cycle between two modules, through a type-only import too", async () => {
    const found = await findings(fixture);
    expect(found.moduleCycles.components).toEqual([["modules/audit", "modules/tenancy"]]);
    expect(found.moduleCycles.edges).toEqual([
      {
        edge: "modules/audit → modules/tenancy",
        imports: ["modules/audit/index.ts → modules/tenancy/index.ts"],
      },
      {
        edge: "modules/tenancy → modules/audit",
        imports: ["modules/tenancy/index.ts → modules/audit/index.ts"],
      },
    ]);
  });

  it("reports an upward import and a reach into another module's schema.ts, each with its rule", async () => {
    const found = await findings(fixture);
    expect(found.violations.map(({ rule, from, to, reason }) => ({ rule, from, to, reason }))).toEqual([
      {
        rule: "layer",
        from: "modules/tenancy/service.ts",
        to: "modules/numbers/schema.ts",
        reason: "account imports provisioning",
      },
      {
        rule: "module-internals",
        from: "modules/tenancy/service.ts",
        to: "modules/numbers/schema.ts",
        reason: "only modules/numbers/index.ts is public",
      },
    ]);
  });
});
