import { Command } from "commander";
import { type Config, ConfigError, loadConfig, loadDotEnv } from "./config/config.js";
import { connectDatabase } from "./db/client.js";
import { runMigrations } from "./db/migrate.js";
import { createLogger, terminalLogging } from "./http/logger.js";
import { Problem } from "./http/problem.js";
import { identityService } from "./modules/identity/index.js";
import { boot, type Runtime, resolveDatabase } from "./runtime/boot.js";
import { stopOnSignals } from "./runtime/signals.js";

function configOrExit() {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** One line for any failure, never a bare `undefined`: the message, and what caused it when that says more. */
function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    const message = error.message || error.name;
    return cause && !message.includes(cause) ? `${message} (${cause})` : message;
  }
  if (error === undefined || error === null) return "it failed without an error message";
  return String(error);
}

/** Runs a command; a failure prints one line naming the command and exits with status 1. */
function command<A extends unknown[]>(name: string, run: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      console.error(`sip2teams ${name} failed: ${describeFailure(error).replaceAll("\n", " ")}`);
      process.exit(1);
    }
  };
}

/** Listens, or stops what boot started (embedded PostgreSQL included) before reporting the failure. */
async function listenOrStop(runtime: Runtime, config: Config) {
  try {
    await runtime.app!.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    await runtime.stop();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `port ${config.PORT} on ${config.HOST} is in use by another program: stop it, or set PORT to a free port.`,
      );
    throw error;
  }
}

const program = new Command("sip2teams").description(
  "sip2teams portal: API server, workers and administration",
);

program
  .command("serve")
  .description("Run the API and web portal (with workers unless RUN_WORKERS=false)")
  .action(
    command("serve", async () => {
      const config = configOrExit();
      const log = createLogger(config.LOG_LEVEL, terminalLogging(config.NODE_ENV));
      const runtime = await boot(config, log, { http: true, workers: config.RUN_WORKERS });
      stopOnSignals(runtime.stop, log);
      await listenOrStop(runtime, config);
      log.info(`sip2teams portal ready at ${config.publicUrl}`);
      console.log(`\n  Portal: ${config.publicUrl}\n`);
    }),
  );

program
  .command("start")
  .description("All-in-one for trying sip2teams: serve with workers, dev mailbox, emulator and demo data")
  .action(
    command("start", async () => {
      const config = configOrExit();
      const log = createLogger(config.LOG_LEVEL, terminalLogging(config.NODE_ENV));
      const runtime = await boot(config, log, { http: true, workers: true, sbcDemo: true });
      stopOnSignals(runtime.stop, log);
      await listenOrStop(runtime, config);
      // Only the all-in-one prints the banner (it names the emulator's demo tenants): loaded here, not by every process.
      const { startBanner } = await import("./runtime/start-banner.js");
      const lines = await startBanner(runtime);
      console.log(`\n${lines.join("\n")}\n`);
    }),
  );

program
  .command("worker")
  .description("Run background job workers only (scale out by running several)")
  .action(
    command("worker", async () => {
      const config = configOrExit();
      const log = createLogger(config.LOG_LEVEL, terminalLogging(config.NODE_ENV));
      const runtime = await boot(config, log, { http: false, workers: true });
      stopOnSignals(runtime.stop, log);
    }),
  );

program
  .command("migrate")
  .description("Apply database migrations and exit")
  .action(
    command("migrate", async () => {
      const config = configOrExit();
      const log = createLogger(config.LOG_LEVEL, terminalLogging(config.NODE_ENV));
      const { url, embedded } = await resolveDatabase(config, log);
      const database = connectDatabase(url);
      try {
        await runMigrations(database);
        log.info("migrations applied");
      } finally {
        await database.close();
        await embedded?.stop();
      }
    }),
  );

const operator = program.command("operator").description("Manage the operator account");
operator
  .command("create")
  .description("Create the operator account and its first Admin; prints a one-time activation link")
  .requiredOption("--email <email>", "email address (username) of the first Admin")
  .requiredOption("--name <name>", "name of the operator (your company)")
  .option("--admin-name <name>", "name of the first Admin", "Administrator")
  .action(
    command("operator create", async (options: { email: string; name: string; adminName: string }) => {
      const config = configOrExit();
      const log = createLogger(
        config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL,
        terminalLogging(config.NODE_ENV),
      );
      const runtime = await boot(config, log, { http: false, workers: false });
      try {
        const created = await identityService(runtime.deps).createOperator(
          { name: options.name, email: options.email, adminName: options.adminName },
          { actor: null },
        );
        console.log(`Operator "${created.account.name}" created with Admin ${created.user.email}.`);
        console.log(
          `Activation link (single use, expires in ${config.INVITATION_TTL_DAYS} days):\n  ${created.activationUrl}`,
        );
        console.log(`Temporary password (enter it as Current Password):\n  ${created.temporaryPassword}`);
      } catch (error) {
        if (error instanceof Problem) {
          console.error(
            `Could not create the operator: ${error.errors?.map((e) => e.message).join(" ") || error.detail}`,
          );
          process.exitCode = 1;
        } else {
          throw error;
        }
      } finally {
        await runtime.stop();
      }
    }),
  );

await program.parseAsync(process.argv);
