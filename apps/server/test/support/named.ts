import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../src/db/embedded-postgres.js";
import { waitFor } from "./wait-for.js";

const run = promisify(execFile);

export interface NamedKey {
  name: string;
  algorithm: "hmac-sha256" | "hmac-sha512";
  secret: string;
}

export interface Named {
  port: number;
  zone: string;
  /** Allowed to update the zone. */
  key: NamedKey;
  /** Allowed too, with hmac-sha512. */
  key512: NamedKey;
  /** Known to the server but not allowed to update the zone. */
  readOnlyKey: NamedKey;
  /** `dig @127.0.0.1 -p <port> +short <type> <name>`, one answer per line. */
  dig(type: string, name: string): Promise<string[]>;
  output(): string;
  stop(): Promise<void>;
}

function newKey(name: string, algorithm: NamedKey["algorithm"]): NamedKey {
  return { name, algorithm, secret: randomBytes(algorithm === "hmac-sha512" ? 64 : 32).toString("base64") };
}

const keyClause = (k: NamedKey) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`;

/**
 * A real BIND 9 (`/usr/sbin/named -g`) on a free loopback port, serving one dynamic zone. The port is free for
 * TCP when picked; should named still fail to bind it (UDP taken, or a race), it starts again on another.
 */
export async function startNamed(zone = "customers.sbc.example.test"): Promise<Named> {
  for (const binary of ["/usr/sbin/named", "/usr/bin/dig"]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y bind9 bind9-dnsutils`);
  }
  for (let attempt = 1; ; attempt++) {
    const named = await startNamedOnce(zone);
    if (named !== "exited") return named;
    if (attempt === 3) throw new Error("named exited at start three times; see its output above.");
  }
}

async function startNamedOnce(zone: string): Promise<Named | "exited"> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-named-"));
  const port = await freePort();
  const key = newKey("sip2teams-key", "hmac-sha256");
  const key512 = newKey("sip2teams-key-512", "hmac-sha512");
  const readOnlyKey = newKey("read-only-key", "hmac-sha256");
  await writeFile(
    path.join(dir, "zone.db"),
    [
      "$TTL 300",
      `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300`,
      `@ IN NS ns1.${zone}.`,
      "ns1 IN A 127.0.0.1",
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "named.conf"),
    [
      keyClause(key),
      keyClause(key512),
      keyClause(readOnlyKey),
      `options { directory "${dir}"; pid-file "${dir}/named.pid"; listen-on port ${port} { 127.0.0.1; };`,
      "  listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; };",
      "controls { };",
      `zone "${zone}" { type primary; file "${dir}/zone.db";`,
      `  allow-update { key "${key.name}"; key "${key512.name}"; }; };`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("/usr/sbin/named", ["-g", "-c", path.join(dir, "named.conf")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  child.stdout!.on("data", (chunk) => lines.push(chunk.toString()));
  child.stderr!.on("data", (chunk) => lines.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const dig = async (type: string, name: string) => {
    const { stdout } = await run("dig", ["@127.0.0.1", "-p", String(port), "+short", "+tcp", type, name]);
    return stdout.split("\n").filter((line) => line.trim() !== "");
  };
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  let started: "serving" | "exited";
  try {
    started = await waitFor(
      "named to serve the zone",
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return "exited";
        return (await dig("SOA", zone)).length > 0 && "serving";
      },
      { retryOnError: true },
    );
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${lines.join("")}`);
  }
  if (started === "exited") {
    console.error(`named exited at start:\n${lines.join("")}`);
    await stop();
    return "exited";
  }
  return { port, zone, key, key512, readOnlyKey, dig, output: () => lines.join(""), stop };
}
