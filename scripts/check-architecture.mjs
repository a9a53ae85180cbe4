#!/usr/bin/env node
// The server's import rules (docs/architecture.md, "Layers and module surface"), checked with
// dependency-cruiser over apps/server/src, type-only and dynamic imports included:
//   layer             a file imports a file of a higher layer;
//   module-internals  a file imports another module's file other than its index.ts;
//   module-cycle      an import edge between two modules (or platform folders) of one layer that lies on a cycle
//                     (a cycle across layers has an upward import, which the layer rule reports);
//   table-export      a module's index.ts exports a Drizzle table (a value made by pgTable), by name or through
//                     `export *`: tables are private to their module. Allowed: tenancy's `accounts`
//                     (docs/architecture.md says why).
// Every finding must be listed in the baseline, and every baseline entry must still occur, so the
// baseline is exact and can only shrink. Test files (*.test.ts, apps/server/test) are not checked.
//
//   node scripts/check-architecture.mjs            check against the baseline (npm run check)
//   node scripts/check-architecture.mjs --update   rewrite the baseline from the tree (npm run check:baseline)
//   node scripts/check-architecture.mjs --json     print the findings as JSON, no baseline (tests)
//   --src <dir>                                    check another tree laid out like apps/server/src (fixtures)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { cruise } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import ts from "typescript";
import { compareWithBaseline, readBaseline, writeBaseline } from "./check-baseline.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);

// The layer model of issue 14, lowest first. A layer may import its own and lower layers only.
// `folders` and `files` are relative to the source root; composition files override the folder they sit in.
const LAYERS = [
  { name: "platform", folders: ["config", "db", "http", "jobs", "crypto"] },
  {
    name: "account",
    folders: [
      "modules/tenancy",
      "modules/identity",
      "modules/audit",
      "modules/mail",
      "modules/dashboard",
      "modules/health",
      "modules/webhooks",
      "modules/branding",
    ],
  },
  {
    name: "onboarding",
    folders: [
      "modules/enterprises",
      "modules/trunks",
      "modules/teams-profiles",
      "modules/microsoft",
      "modules/powershell",
      "modules/direct-routing-setup",
      "modules/operator-settings",
    ],
  },
  {
    name: "provisioning",
    folders: ["modules/numbers", "modules/teams-users", "modules/bulk-import", "modules/pbx-directory"],
  },
  { name: "sbc", folders: ["modules/sbc", "modules/preflight", "modules/usage", "modules/call-logs"] },
  { name: "composition", folders: ["runtime"], files: ["cli.ts", "http/routes.ts", "db/schema.ts"] },
];
// The one table a module's index.ts may export: the account tree every repository joins and scopes by.
const ALLOWED_TABLE_EXPORTS = ["modules/tenancy/index.ts → accounts"];
// The table aggregator drizzle-kit reads must re-export every module's schema.ts.
const SURFACE_EXEMPT_FILES = ["db/schema.ts"];
const TEST_FILE = "\\.test\\.ts$";

const { values: args } = parseArgs({
  options: {
    src: { type: "string", default: "apps/server/src" },
    baseline: { type: "string", default: "apps/server/architecture-baseline.json" },
    update: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const src = path.relative(root, path.resolve(root, args.src)).split(path.sep).join("/");

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const under = (p) => `${escapeRegExp(`${src}/${p}`)}/`;
const exactly = (file) => `${escapeRegExp(`${src}/${file}`)}$`;
const anyOf = (patterns) => `^(?:${patterns.join("|")})`;

const compositionFiles = LAYERS.flatMap((layer) => layer.files ?? []);
const layerPattern = (layer) => anyOf([...layer.folders.map(under), ...(layer.files ?? []).map(exactly)]);

function layerRules() {
  return LAYERS.slice(0, -1).map((layer, index) => {
    const higher = LAYERS.slice(index + 1);
    return {
      name: `layer:${layer.name}`,
      severity: "error",
      comment: `${layer.name} may not import ${higher.map((h) => h.name).join(", ")}`,
      from: { path: layerPattern(layer), pathNot: [TEST_FILE, anyOf(compositionFiles.map(exactly))] },
      to: { path: anyOf(higher.map(layerPattern)) },
    };
  });
}

function surfaceRules() {
  const modules = escapeRegExp(`${src}/modules/`);
  const internal = `^${modules}[^/]+/(?!index\\.ts$)`;
  return [
    {
      name: "module-internals",
      severity: "error",
      comment: "another module is imported only through its index.ts",
      from: { path: `^${modules}([^/]+)/`, pathNot: TEST_FILE },
      to: { path: internal, pathNot: `^${modules}$1/` },
    },
    {
      name: "module-internals",
      severity: "error",
      comment: "a module is imported only through its index.ts",
      from: {
        path: `^${escapeRegExp(src)}/`,
        pathNot: [TEST_FILE, `^${modules}`, anyOf(SURFACE_EXEMPT_FILES.map(exactly))],
      },
      to: { path: internal },
    },
  ];
}

async function cruiseTree() {
  const tsConfigFile = "apps/server/tsconfig.json";
  const result = await cruise(
    [src],
    {
      validate: true,
      ruleSet: { forbidden: [...layerRules(), ...surfaceRules()] },
      tsPreCompilationDeps: true,
      includeOnly: `^${escapeRegExp(src)}/`,
      exclude: { path: TEST_FILE },
      tsConfig: { fileName: tsConfigFile },
      enhancedResolveOptions: {
        extensionAlias: { ".js": [".ts", ".tsx", ".js"] },
        conditionNames: ["source", "import", "node", "default"],
      },
    },
    {},
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  return result.output;
}

const local = (file) => file.slice(src.length + 1);

/** The module a file belongs to for cycles: modules/<m>, a composition file or folder, or a platform folder. */
function unitOf(file) {
  const relative = local(file);
  if (compositionFiles.includes(relative)) return relative;
  const parts = relative.split("/");
  if (parts[0] === "modules" && parts.length > 2) return `modules/${parts[1]}`;
  return parts.length > 1 ? parts[0] : relative;
}

function layerOf(file) {
  const relative = local(file);
  const byFile = LAYERS.find((layer) => (layer.files ?? []).includes(relative));
  return byFile ?? LAYERS.find((layer) => layer.folders.some((folder) => relative.startsWith(`${folder}/`)));
}

/** Strongly connected components (Tarjan) of a graph given as Map<node, Set<node>>. */
function components(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** A shortest cycle through `start` inside its component, for the report. */
function cycleThrough(start, graph, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const cycle = [start];
        for (let at = node; at !== null && at !== start; at = previous.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

// A cycle that crosses layers contains an upward import, which the layer rule reports already (and its
// baseline keeps). Cycles are therefore looked for among the downward and same-layer imports only: what
// remains are cycles between modules of one layer (platform folders included), which is what
// "no import cycle between modules" forbids beyond the layer rule. The composition root is not a module.
const isComposition = (unit) => unit === "runtime" || compositionFiles.includes(unit);
const isUpward = (from, to) => LAYERS.indexOf(layerOf(to)) > LAYERS.indexOf(layerOf(from));

function moduleCycles(modules) {
  const graph = new Map();
  const imports = new Map(); // "a → b" → file imports that make the edge
  for (const module of modules) {
    const from = unitOf(module.source);
    if (isComposition(from)) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const dependency of module.dependencies) {
      const to = unitOf(dependency.resolved);
      if (to === from || isComposition(to) || isUpward(module.source, dependency.resolved)) continue;
      graph.get(from).add(to);
      const edge = `${from} → ${to}`;
      if (!imports.has(edge)) imports.set(edge, []);
      imports.get(edge).push(`${local(module.source)} → ${local(dependency.resolved)}`);
    }
  }
  const cyclic = components(graph).filter((component) => component.length > 1);
  const edges = [];
  for (const component of cyclic) {
    const members = new Set(component);
    for (const from of component)
      for (const to of graph.get(from)) if (members.has(to)) edges.push(`${from} → ${to}`);
  }
  return {
    components: cyclic,
    cycles: cyclic.map((component) => cycleThrough(component[0], graph, new Set(component))),
    edges: edges.sort().map((edge) => ({ edge, imports: imports.get(edge).sort() })),
  };
}

function parse(file) {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** The names of a file's top-level `export const x = pgTable(…)` (or `schema.table(…)`) declarations. */
function tablesDeclaredIn(source) {
  const tables = new Set();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      if (!init || !ts.isCallExpression(init) || !ts.isIdentifier(declaration.name)) continue;
      const callee = init.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : "";
      if (name === "pgTable" || name === "table") tables.add(declaration.name.text);
    }
  }
  return tables;
}

/** The file a relative `./x.js` specifier of `from` names (the .ts source). */
function resolveRelative(from, specifier) {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), `${base}.ts`, path.join(base, "index.ts")];
  return candidates.find((candidate) => existsSync(candidate));
}

/** Tables (values) exported by each module's index.ts, but the allowed ones. */
function tableExports() {
  const modulesDir = path.join(src, "modules");
  if (!existsSync(modulesDir)) return [];
  const found = [];
  for (const module of readdirSync(modulesDir).sort()) {
    const index = path.join(modulesDir, module, "index.ts");
    if (!existsSync(index)) continue;
    const report = (table, file) => {
      const from = `modules/${module}/index.ts`;
      const key = `${from} → ${table}`;
      if (ALLOWED_TABLE_EXPORTS.includes(key)) return;
      found.push({
        key: `table-export: ${key}`,
        from,
        table,
        to: local(path.relative(root, file).split(path.sep).join("/")),
      });
    };
    const source = parse(index);
    const own = tablesDeclaredIn(source);
    for (const table of own) report(table, index);
    for (const statement of source.statements) {
      if (!ts.isExportDeclaration(statement) || statement.isTypeOnly || !statement.moduleSpecifier) continue;
      const target = resolveRelative(index, statement.moduleSpecifier.text);
      if (!target) continue;
      const tables = tablesDeclaredIn(parse(target));
      const clause = statement.exportClause;
      if (!clause) for (const table of [...tables].sort()) report(table, target);
      else if (ts.isNamedExports(clause))
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const name = (element.propertyName ?? element.name).text;
          if (tables.has(name)) report(element.name.text, target);
        }
    }
  }
  const unique = new Map(found.map((f) => [f.key, f]));
  return [...unique.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function findings(output) {
  const unplaced = output.modules.map((module) => module.source).filter((file) => !layerOf(file));
  const violations = output.summary.violations
    .filter(
      (violation) => violation.rule.name.startsWith("layer:") || violation.rule.name === "module-internals",
    )
    .map((violation) => {
      const rule = violation.rule.name.startsWith("layer:") ? "layer" : "module-internals";
      const reason =
        rule === "layer"
          ? `${layerOf(violation.from).name} imports ${layerOf(violation.to).name}`
          : `only ${unitOf(violation.to)}/index.ts is public`;
      return { rule, from: local(violation.from), to: local(violation.to), reason };
    });
  const unique = new Map(violations.map((v) => [`${v.rule}: ${v.from} → ${v.to}`, v]));
  return {
    files: output.modules.length,
    imports: output.summary.totalDependenciesCruised,
    unplaced: unplaced.map(local).sort(),
    violations: [...unique.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, v]) => ({ key, ...v })),
    moduleCycles: moduleCycles(output.modules),
    tableExports: tableExports(),
  };
}

const ABOUT =
  "Known violations of the server's import rules (docs/architecture.md). npm run check fails on any finding " +
  "not listed here and on any entry that no longer occurs; regenerate with npm run check:baseline, which may only shrink it.";

/** Exit code of the run. The caller sets process.exitCode: process.exit() could cut off output to a pipe. */
function run(found) {
  if (args.json) {
    console.log(JSON.stringify(found, null, 2));
    return 0;
  }
  return args.update ? update(found) : check(found);
}

function update(found) {
  if (!placed(found)) return 1;
  writeBaseline(args.baseline, ABOUT, {
    violations: [...found.violations.map((v) => v.key), ...found.tableExports.map((t) => t.key)],
    moduleCycleEdges: found.moduleCycles.edges.map((e) => e.edge),
  });
  console.log(
    `Wrote ${args.baseline}: ${found.violations.length + found.tableExports.length} violations, ${found.moduleCycles.edges.length} module cycle edges`,
  );
  return 0;
}

function placed(found) {
  if (found.unplaced.length === 0) return true;
  console.error("Files in no layer (add their folder to LAYERS in scripts/check-architecture.mjs):");
  for (const file of found.unplaced) console.error(`  ${file}`);
  return false;
}

function check(found) {
  if (!placed(found)) return 1;
  const baseline = readBaseline(args.baseline, { violations: [], moduleCycleEdges: [] });
  const findings = [
    ...found.violations.map((v) => ({ key: v.key, line: `${v.key}  (${v.reason})` })),
    ...found.tableExports.map((t) => ({
      key: t.key,
      line: `${t.key}  (a table of ${t.to}; tables are private to their module)`,
    })),
    ...found.moduleCycles.edges.map((e) => ({
      key: `module-cycle: ${e.edge}`,
      line: `module-cycle: ${e.edge}  (via ${e.imports.slice(0, 3).join(", ")}${e.imports.length > 3 ? ", …" : ""})`,
    })),
  ];
  console.log(`Architecture of ${src}: ${found.files} files, ${found.imports} imports`);
  found.moduleCycles.components.forEach((members, i) => {
    console.log(
      `  modules on a cycle: ${members.join(", ")} (e.g. ${found.moduleCycles.cycles[i].join(" → ")})`,
    );
  });
  const exitCode = compareWithBaseline({
    findings,
    known: [...baseline.violations, ...baseline.moduleCycleEdges.map((edge) => `module-cycle: ${edge}`)],
    baselineName: args.baseline,
    newWhat: "violation(s)",
    hint: "Rules: docs/architecture.md, 'Layers and module surface'.",
  });
  if (exitCode === 0)
    console.log(
      `✓ No new violations; ${findings.length} known ones remain in ${args.baseline} ` +
        `(${found.violations.filter((v) => v.rule === "layer").length} layer, ` +
        `${found.violations.filter((v) => v.rule === "module-internals").length} module-internals, ` +
        `${found.tableExports.length} table-export, ` +
        `${found.moduleCycles.edges.length} module-cycle edges).`,
    );
  return exitCode;
}

process.exitCode = run(findings(await cruiseTree()));
