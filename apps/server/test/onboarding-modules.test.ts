import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The onboarding layer runs one way (docs/architecture.md): operator-settings → enterprises → trunks,
 * teams-profiles → microsoft → direct-routing-setup. Its modules lie on no import cycle and reach other
 * modules only through their index.ts; what still reaches into tenancy/schema.ts is a table's foreign key.
 */
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const ONBOARDING = [
  "modules/operator-settings",
  "modules/enterprises",
  "modules/trunks",
  "modules/teams-profiles",
  "modules/microsoft",
  "modules/direct-routing-setup",
];
/** A module imports only modules of a lower rank (trunks and teams-profiles share one). */
const RANK = new Map([
  ["modules/operator-settings", 0],
  ["modules/enterprises", 1],
  ["modules/trunks", 2],
  ["modules/teams-profiles", 2],
  ["modules/microsoft", 3],
  ["modules/direct-routing-setup", 4],
]);

interface Findings {
  violations: { key: string; from: string; to: string }[];
  moduleCycles: { components: string[][] };
}

/** What scripts/check-architecture.mjs finds in the real tree. */
function findings(): Findings {
  const run = spawnSync(process.execPath, ["scripts/check-architecture.mjs", "--json"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return JSON.parse(run.stdout) as Findings;
}

const moduleOf = (file: string) => file.split("/").slice(0, 2).join("/");

describe("onboarding modules", () => {
  it("lie on no module cycle and import other modules only through index.ts", () => {
    const found = findings();
    const cycles = found.moduleCycles.components.filter((component) =>
      component.some((module) => ONBOARDING.includes(module)),
    );
    expect(cycles).toEqual([]);
    const reaches = found.violations
      .filter((v) => ONBOARDING.includes(moduleOf(v.from)))
      .filter((v) => !(v.from.endsWith("/schema.ts") && v.to === "modules/tenancy/schema.ts"))
      .map((v) => v.key);
    expect(reaches).toEqual([]);
  });

  it("import only lower onboarding modules, in the documented order", () => {
    // Inside one layer the check reports cycles, not order; the order is checked on the import lines here.
    const root = path.join(repoRoot, "apps/server/src");
    const upward: string[] = [];
    const walk = (dir: string, module: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file, module);
        else if (file.endsWith(".ts") && !file.endsWith(".test.ts")) {
          for (const [, specifier] of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
            const target = moduleOf(path.relative(root, path.resolve(path.dirname(file), specifier!)));
            if (target !== module && RANK.has(target) && RANK.get(target)! >= RANK.get(module)!)
              upward.push(`${path.relative(root, file)} → ${specifier}`);
          }
        }
      }
    };
    for (const module of ONBOARDING) walk(path.join(root, module), module);
    expect(upward).toEqual([]);
  });
});
