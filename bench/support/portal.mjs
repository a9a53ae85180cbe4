// Starts the built portal (`sip2teams <command>`, npm run build) as a child process on a free loopback port,
// on embedded PostgreSQL in a data folder, and waits for /readyz.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/**
 * @param {{ dataDir: string, command?: string[], env?: Record<string, string> }} options
 *   command: what to run from the repository root (default `node apps/server/bin/sip2teams.js serve`)
 * @returns the child, its base URL, how long /readyz took to answer 200 (ms from spawn), and stop()
 */
export async function startPortal({ dataDir, command, env = {} }) {
  const port = await freePort();
  const childEnv = {
    ...process.env,
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    DEMO_SEED: "false",
    M365_EMULATOR: "off",
    ...env,
  };
  delete childEnv.DATABASE_URL;
  const [file, ...args] = command ?? [
    process.execPath,
    path.join(root, "apps/server/bin/sip2teams.js"),
    "serve",
  ];
  const startedAt = performance.now();
  const child = spawn(file, args, { cwd: root, env: childEnv, stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
  };
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${args.join(" ")} exited during start-up (${child.exitCode})`);
    const ready = await fetch(`${base}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, base, readyMs: performance.now() - startedAt, stop };
}
