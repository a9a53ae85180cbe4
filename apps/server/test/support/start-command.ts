import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../src/db/embedded-postgres.js";
import { waitFor } from "./wait-for.js";

export interface Started {
  child: ChildProcess;
  output: string[];
  url: string;
}

/**
 * Runs `sip2teams start` with embedded PostgreSQL under `dataDir` on a free port (no DATABASE_URL), and
 * resolves once it has printed its banner. `command` is the node arguments before `start` (the CLI from source
 * or the built bin), run in `cwd`. Used by the server's crash test and the `npm start` browser-suite test.
 */
export async function startAllInOne(
  dataDir: string,
  command: { cwd: string; args: string[]; port?: number },
): Promise<Started> {
  const port = command.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  const output: string[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    SBC_DEMO: "off",
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...command.args, "start"], {
    cwd: command.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk) => output.push(chunk.toString()));
  await waitFor(
    "the start banner",
    async () => {
      if (child.exitCode !== null)
        throw new Error(`start exited with ${child.exitCode}:\n${output.join("")}`);
      return output.join("").includes("sip2teams portal:");
    },
    120_000,
  );
  return { child, output, url };
}
