import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { loadConfig } from "../../src/config/config.js";
import { loggerOptions } from "../../src/http/logger.js";
import type { AppDeps } from "../../src/runtime/app-deps.js";
import { boot, type Runtime } from "../../src/runtime/boot.js";
import { freshDatabaseUrl } from "./database.js";

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  runtime: Runtime;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Boots the real server (real Postgres, real pg-boss, dev outbox mail) on a fresh database. */
export interface TestAppOptions {
  workers?: boolean;
  /** Start the demo SBC as `sip2teams start` does (sbc/demo-launcher.ts). */
  sbcDemo?: boolean;
  /** Runs before the app is ready, e.g. to add a route that exercises a framework behaviour. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-test-data-"));
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    DATA_DIR: dataDir,
    DATABASE_URL: env.DATABASE_URL ?? (await freshDatabaseUrl()),
    PUBLIC_URL: "http://localhost:3000",
    M365_EMULATOR: "off",
    DATABASE_POOL_SIZE: "4",
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) logs.push(JSON.parse(line));
      callback();
    },
  });
  const log: Logger = pino(loggerOptions(config.LOG_LEVEL), sink);
  const runtime = await boot(config, log, {
    http: true,
    workers: options.workers ?? true,
    sbcDemo: options.sbcDemo ?? false,
  });
  await options.beforeReady?.(runtime.app!);
  await runtime.app!.ready();
  return { app: runtime.app!, deps: runtime.deps, runtime, logs, stop: runtime.stop };
}
