import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

const serverDir = fileURLToPath(new URL("../..", import.meta.url));

/** A real `sip2teams worker` process (the CLI run from source by tsx), so a test can SIGKILL it. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every JSON log line it wrote so far. */
  logs: Record<string, unknown>[];
  /** SIGKILL: no shutdown hook runs, its jobs stay `active` in pg-boss. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/cli.ts", "worker"], {
    cwd: serverDir,
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", DATABASE_POOL_SIZE: "4", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const other: string[] = [];
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line));
      } catch {
        other.push(line);
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => other.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(
    "the worker process to start its workers",
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`worker exited at start:\n${other.join("")}\n${JSON.stringify(logs.slice(-5))}`);
      }
      return logs.some((line) => line.msg === "workers started");
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    logs,
    async kill() {
      if (!gone()) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (!gone()) child.kill("SIGTERM");
      await exited;
    },
  };
}
