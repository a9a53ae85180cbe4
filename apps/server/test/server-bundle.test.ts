import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../src/db/embedded-postgres.js";
import { freshDatabaseUrl } from "./support/database.js";
import { waitFor } from "./support/wait-for.js";

// The production build of the server (issue 13, item 4): build.mjs bundles the CLI with esbuild and
// bin/sip2teams.js runs it. Built here into a scratch folder inside apps/server (so the bundle finds the
// migrations and node_modules as dist/cli.js does), beside a copy of the real bin.
const serverDir = path.resolve(import.meta.dirname, "..");

interface Metafile {
  outputs: Record<
    string,
    { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }
  >;
}

/** Everything a process loads at start: cli.js and the chunks it imports statically, transitively. */
function loadedAtStart(meta: Metafile) {
  const entry = Object.keys(meta.outputs).find((file) => file.endsWith("/cli.js"))!;
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const imported of meta.outputs[file]!.imports) {
      if (imported.kind !== "import-statement") continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(entry);
  const inputs = [...files].flatMap((file) => Object.keys(meta.outputs[file]!.inputs));
  return { packages: [...packages].filter((name) => !isBuiltin(name)), inputs };
}

const bundledPackage = (inputs: string[], name: string) =>
  inputs.some((input) => input.includes(`node_modules/${name}/`));

describe("the server bundle", () => {
  let scratch: string;
  let meta: Metafile;

  beforeAll(() => {
    mkdirSync(path.join(serverDir, ".cache"), { recursive: true });
    scratch = mkdtempSync(path.join(serverDir, ".cache", "bundle-test-"));
    const built = spawnSync(process.execPath, ["build.mjs"], {
      cwd: serverDir,
      env: { ...process.env, SERVER_BUNDLE_DIR: path.join(scratch, "dist") },
      encoding: "utf8",
    });
    expect(built.status, built.stderr).toBe(0);
    cpSync(path.join(serverDir, "bin"), path.join(scratch, "bin"), { recursive: true });
    meta = JSON.parse(readFileSync(path.join(scratch, "dist/cli.meta.json"), "utf8"));
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("loads drizzle-orm, pg-boss and zod from the bundle, not module by module from node_modules", () => {
    const { packages, inputs } = loadedAtStart(meta);
    // Only what cannot be bundled is imported from node_modules when a process starts.
    expect(packages.sort()).toEqual(["@node-rs/argon2"]);
    for (const name of ["drizzle-orm", "pg-boss", "zod", "pg", "commander"])
      expect(bundledPackage(inputs, name), name).toBe(true);
  });

  it("keeps the HTTP stack, the emulator, the start banner and the password dictionaries out of a worker's start", () => {
    const { inputs } = loadedAtStart(meta);
    for (const name of [
      "fastify",
      "@scalar/fastify-api-reference",
      "@fastify/swagger",
      "@zxcvbn-ts/language-en",
    ])
      expect(bundledPackage(inputs, name), name).toBe(false);
    expect(inputs.filter((input) => input.includes("m365-emulator/"))).toEqual([]);
    expect(
      inputs.filter((input) => /src\/(http\/app|runtime\/(portal-app|start-banner))\.ts$/.test(input)),
    ).toEqual([]);
    // …yet all of them are in the build, for the processes that load them.
    const everything = Object.values(meta.outputs).flatMap((output) => Object.keys(output.inputs));
    for (const name of ["fastify", "@scalar/fastify-api-reference", "@zxcvbn-ts/language-en"])
      expect(bundledPackage(everything, name), name).toBe(true);
  });

  describe("run through bin/sip2teams.js", () => {
    let databaseUrl: string;
    let dataDir: string;
    const running: ChildProcess[] = [];

    beforeAll(async () => {
      databaseUrl = await freshDatabaseUrl();
      dataDir = mkdtempSync(path.join(os.tmpdir(), "sip2teams-bundle-"));
    });
    afterAll(async () => {
      for (const child of running) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    const env = (extra: Record<string, string> = {}) => ({
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      M365_EMULATOR: "off",
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      ...extra,
    });

    const start = (args: string[], extra?: Record<string, string>) => {
      const child = spawn(process.execPath, [path.join(scratch, "bin/sip2teams.js"), ...args], {
        cwd: serverDir,
        env: env(extra),
        stdio: ["ignore", "pipe", "pipe"],
      });
      running.push(child);
      const output: string[] = [];
      child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      return { child, output, exited };
    };

    const stop = async (child: ChildProcess) => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    };

    it("migrate applies the migrations it finds from the bundle's location", {
      timeout: 120_000,
    }, async () => {
      const { exited, output } = start(["migrate"]);
      expect(await exited, output.join("")).toBe(0);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query("select count(*)::int as n from drizzle.__drizzle_migrations");
        const journal = JSON.parse(readFileSync(path.join(serverDir, "drizzle/meta/_journal.json"), "utf8"));
        expect(rows[0].n).toBe(journal.entries.length);
      } finally {
        await client.end();
      }
    });

    it("a worker starts its workers, in a process running with the small young generation", {
      timeout: 120_000,
    }, async () => {
      const worker = start(["worker"]);
      await waitFor(
        "the bundled worker to start its workers",
        async () => {
          if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.output.join("")}`);
          return worker.output.join("").includes("workers started");
        },
        60_000,
      );
      const commandLine = readFileSync(`/proc/${worker.child.pid}/cmdline`, "utf8").split("\0");
      expect(commandLine).toContain("--max-semi-space-size=8");
      await stop(worker.child);
    });

    it("serve answers /readyz, the OpenAPI document and the API reference", {
      timeout: 120_000,
    }, async () => {
      const port = await freePort();
      const serve = start(["serve"], { PORT: String(port), RUN_WORKERS: "false" });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        "the bundled portal to be ready",
        async () => {
          if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.output.join("")}`);
          return (await fetch(`${base}/readyz`).catch(() => null))?.ok === true;
        },
        60_000,
      );
      const openapi = await fetch(`${base}/api/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { info: { title: string } }).info.title).toBe("sip2teams API");
      const reference = await fetch(`${base}/api/docs/`);
      expect(reference.status).toBe(200);
      expect(await reference.text()).toContain("/api/openapi.json");
      // Activate Your Account runs the password-strength estimator, which the bundle loads on first use.
      const operator = start(["operator", "create", "--name", "Bundle Ops", "--email", "ops@bundle.test"]);
      expect(await operator.exited, operator.output.join("")).toBe(0);
      const created = operator.output.join("");
      const token = decodeURIComponent(/activate#token=(\S+)/.exec(created)?.[1] ?? "");
      const temporaryPassword = /Current Password\):\s+(\S+)/.exec(created)?.[1];
      expect(token && temporaryPassword, created).toBeTruthy();
      const activate = (newPassword: string) =>
        fetch(`${base}/api/auth/activate`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            token,
            currentPassword: temporaryPassword,
            newPassword,
            confirmPassword: newPassword,
          }),
        });
      const weak = await activate("password1234");
      expect(weak.status, await weak.clone().text()).toBe(400);
      expect(((await weak.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("newPassword");
      expect((await activate("granite-harbour-violet-73")).status).toBe(200);
      const problem = await fetch(`${base}/api/${randomBytes(4).toString("hex")}`);
      expect(problem.status).toBe(404);
      expect(problem.headers.get("content-type")).toContain("application/problem+json");
      await stop(serve.child);
    });
  });
});
