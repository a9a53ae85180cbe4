import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import { loadSecretBox } from "../crypto/secret-key-file.js";
import { connectDatabase, type DatabaseHandle } from "../db/client.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../db/embedded-postgres.js";
import { runMigrations } from "../db/migrate.js";
import { createJobQueue, type JobQueue } from "../jobs/job-queue.js";
import { brandingService, brandRepository } from "../modules/branding/index.js";
import { type BrandReader, outboxMailer, type PortalNameReader, smtpMailer } from "../modules/mail/index.js";
import { startBuiltInEmulator, trustExtraCa } from "../modules/microsoft/index.js";
import { loadSettingsRow } from "../modules/operator-settings/index.js";
import { type SbcDemo, sbcDatabaseUrl, startSbcDemo } from "../modules/sbc/index.js";
import type { AppDeps } from "./app-deps.js";
import { startBackgroundLoops } from "./background.js";
import { buildContainer } from "./container.js";
import { jobDefinitions } from "./jobs.js";

export interface Runtime {
  deps: AppDeps;
  app: FastifyInstance | null;
  database: DatabaseHandle;
  jobs: JobQueue;
  /** `sip2teams start`: the demo SBC beside the portal, running or why not (null: not asked for, or SBC_DEMO=off). */
  sbcDemo: SbcDemo | null;
  /** Stops in reverse order: HTTP (drains requests), workers, database pool, embedded Postgres. */
  stop(): Promise<void>;
}

export interface BootOptions {
  http: boolean;
  workers: boolean;
  /** Start the shipped Kamailio configuration beside the portal (`sip2teams start`; see sbc/demo-launcher.ts). */
  sbcDemo?: boolean;
}

/** Resolves the database URL, starting embedded Postgres under DATA_DIR when DATABASE_URL is unset. */
export async function resolveDatabase(
  config: Config,
  log: Logger,
): Promise<{ url: string; embedded: EmbeddedPostgresHandle | null }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const embedded = await startEmbeddedPostgres(
    path.join(config.dataDir, "postgres"),
    (message) => log.debug({ component: "postgres" }, message),
    { supervise: true, notice: (message) => log.warn({ component: "postgres" }, message) },
  );
  log.info({ port: embedded.port }, "embedded PostgreSQL started");
  return { url: embedded.url, embedded };
}

/**
 * The demo SBC, for `sip2teams start` only: not with SBC_DEMO=off, in production, or when the portal is
 * pointed at an SBC of its own (KAMAILIO_RPC_URL).
 */
async function startDemoSbc(
  config: Config,
  log: Logger,
  db: DatabaseHandle["db"],
  options: BootOptions,
): Promise<SbcDemo | null> {
  if (!options.sbcDemo || config.SBC_DEMO === "off" || config.isProduction || config.KAMAILIO_RPC_URL)
    return null;
  return startSbcDemo({ config, log, databaseUrl: await sbcDatabaseUrl(config, db) });
}

export async function boot(baseConfig: Config, log: Logger, options: BootOptions): Promise<Runtime> {
  let config = baseConfig;
  const stack: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (stack.length > 0) {
      const step = stack.pop()!;
      await step().catch((error) => log.error({ err: error }, "shutdown step failed"));
    }
  };
  try {
    if (config.EXTRA_CA_FILE) trustExtraCa(await readFile(config.EXTRA_CA_FILE, "utf8"));
    if (config.usesM365Emulator) {
      const emulator = await startBuiltInEmulator(config, log);
      stack.push(() => emulator.stop());
      config = emulator.config;
    }
    const { url, embedded } = await resolveDatabase(config, log);
    if (embedded) stack.push(() => embedded.stop());
    const database = connectDatabase(url, config.DATABASE_POOL_SIZE);
    stack.push(() => database.close());
    await runMigrations(database);

    const secrets = await loadSecretBox(config);
    // Emails name the portal as the operator configured it (mail sits below operator settings).
    const portalName: PortalNameReader = async (db) => (await loadSettingsRow(db))?.portalDisplayName ?? null;
    // …and as the recipient's account is branded (its own brand or the nearest partner's above).
    const branding = brandingService({ db: database.db, brands: brandRepository(database.db), config });
    const brand: BrandReader = (db, accountId) => branding.mailBrandOf(accountId, db);
    const mailer = config.SMTP_URL
      ? smtpMailer(config.SMTP_URL, config.MAIL_FROM, log, portalName, brand)
      : outboxMailer(database.db, log, portalName, brand);
    const sbcDemo = await startDemoSbc(config, log, database.db, options);
    if (sbcDemo) {
      stack.push(() => sbcDemo.stop());
      config = { ...config, ...sbcDemo.config };
    }
    const container = buildContainer({
      config,
      db: database.db,
      secrets,
      log,
      sbcNotRunning: sbcDemo?.reason,
    });
    stack.push(() => container.close());
    const deps: Omit<AppDeps, "jobs"> = {
      config,
      db: database.db,
      log,
      mailer,
      secrets,
      microsoft: container.microsoft,
      microsoftSignIn: container.microsoftSignIn,
      sbc: container.sbc,
    };
    const jobs = await createJobQueue({
      databaseUrl: url,
      log,
      definitions: (queue) => jobDefinitions({ ...deps, jobs: queue }),
    });
    stack.push(() => jobs.stop());
    const fullDeps: AppDeps = { ...deps, jobs };
    if (options.workers) {
      await jobs.startWorkers();
      stack.push(startBackgroundLoops(fullDeps));
    }

    let app: FastifyInstance | null = null;
    if (options.http) {
      // Imported here so a worker never loads the HTTP stack (Fastify, OpenAPI, the API reference, routes).
      const { buildPortalApp } = await import("./portal-app.js");
      const built = await buildPortalApp(fullDeps);
      app = built.app;
      stack.push(() => built.app.close());
    }
    return { deps: fullDeps, app, database, jobs, sbcDemo, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
