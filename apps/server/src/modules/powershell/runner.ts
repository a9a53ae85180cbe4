import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import type { TokenProvider } from "../microsoft/tokens.js";

/**
 * Long-lived PowerShell processes with the MicrosoftTeams module, one per customer tenant (at most
 * `maxProcesses`, least recently used closed first), connected app-only with
 * `Connect-MicrosoftTeams -AccessTokens @(<graph>, <teams>)`.
 *
 * Protocol: we write one PowerShell line per command on stdin; the process answers exactly one JSON line
 * `{"ok":true,"output":…}` or `{"ok":false,"error":{"message":…}}`. With real `pwsh` the BOOTSTRAP loop
 * below implements it; the emulator's `m365-emulator-pwsh` stand-in speaks it natively.
 */
export const BOOTSTRAP = [
  "$ErrorActionPreference = 'Stop'",
  "Import-Module MicrosoftTeams -ErrorAction SilentlyContinue | Out-Null",
  "while ($null -ne ($s2tLine = [Console]::In.ReadLine())) {",
  "  try { $s2tOut = Invoke-Expression $s2tLine; $s2tJson = @{ ok = $true; output = $s2tOut } | ConvertTo-Json -Depth 8 -Compress }",
  "  catch { $s2tJson = @{ ok = $false; error = @{ message = $_.Exception.Message; type = $_.Exception.GetType().Name } } | ConvertTo-Json -Depth 4 -Compress }",
  "  [Console]::Out.WriteLine($s2tJson)",
  "}",
].join("\n");

export class PowerShellError extends Error {
  constructor(
    message: string,
    readonly type = "PowerShellError",
  ) {
    super(message);
    this.name = "PowerShellError";
  }
}

export interface PowerShellPool {
  /** Runs one command for the tenant; resolves with its (JSON) output. */
  run(tenantId: string, command: string): Promise<unknown>;
  close(): Promise<void>;
}

interface Session {
  child: ChildProcessWithoutNullStreams;
  connectedAt: number;
  queue: Promise<unknown>;
  waiting: ((line: string) => void)[];
  exited: boolean;
  lastUsed: number;
  stderr: string;
  /** Commands queued or running on this process. */
  pending: number;
  tenantId: string;
}

const RECONNECT_MS = 45 * 60_000;

/** PowerShell quoting for a single-quoted literal. */
export function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function createPowerShellPool(options: {
  pwshPath: string;
  tokens: TokenProvider;
  log: Logger;
  maxProcesses?: number;
  /** Processes per tenant, so one tenant's commands run a few at a time (default 2). */
  perTenant?: number;
  commandTimeoutMs?: number;
  /** Extra environment for new processes (resolved when a process starts). */
  env?: () => Promise<Record<string, string>>;
}): PowerShellPool {
  const sessions = new Map<string, Session>();
  const max = options.maxProcesses ?? 8;
  const perTenant = options.perTenant ?? 2;
  let nextKey = 0;
  const timeoutMs = options.commandTimeoutMs ?? 120_000;

  let extraEnv: Record<string, string> | null = null;

  /** An idle process of the tenant, a new one while under `perTenant`, else the least busy. */
  function sessionFor(tenantId: string): Session {
    const mine = [...sessions.values()].filter((x) => x.tenantId === tenantId && !x.exited);
    const idle = mine.find((x) => x.pending === 0);
    if (idle) return idle;
    if (mine.length < perTenant) return start(tenantId);
    return mine.sort((a, b) => a.pending - b.pending)[0]!;
  }

  function start(tenantId: string): Session {
    const key = `${tenantId}#${nextKey++}`;
    const args = ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", BOOTSTRAP];
    // A JavaScript stand-in (the emulator's) runs with this Node.js.
    const isScript = /\.(c|m)?js$/.test(options.pwshPath);
    const child = spawn(
      isScript ? process.execPath : options.pwshPath,
      isScript ? [options.pwshPath, ...args] : args,
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, ...extraEnv },
      },
    );
    const session: Session = {
      child,
      connectedAt: 0,
      queue: Promise.resolve(),
      waiting: [],
      exited: false,
      lastUsed: Date.now(),
      stderr: "",
      pending: 0,
      tenantId,
    };
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const trimmed = line.trim();
      if (!trimmed.startsWith("{")) return; // banners and warnings
      session.waiting.shift()?.(trimmed);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      session.stderr = (session.stderr + chunk.toString()).slice(-2000);
    });
    child.on("error", (error) => {
      options.log.error({ err: error, pwsh: options.pwshPath }, "PowerShell process failed to start");
    });
    child.on("exit", (code) => {
      session.exited = true;
      sessions.delete(key);
      for (const w of session.waiting.splice(0)) {
        w(
          JSON.stringify({
            ok: false,
            error: { message: `PowerShell exited (${code}). ${session.stderr.trim()}`.trim() },
          }),
        );
      }
    });
    sessions.set(key, session);
    // Keep at most `max` processes: close the least recently used idle one.
    if (sessions.size > max) {
      const oldest = [...sessions.entries()]
        .filter(([k, x]) => k !== key && x.pending === 0)
        .sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (oldest) stopSession(oldest[1]);
    }
    return session;
  }

  function send(session: Session, line: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (session.exited) return reject(new PowerShellError("PowerShell is not running."));
      const timer = setTimeout(() => {
        stopSession(session);
        reject(new PowerShellError(`PowerShell did not answer within ${timeoutMs / 1000}s.`));
      }, timeoutMs);
      session.waiting.push((answer) => {
        clearTimeout(timer);
        try {
          const parsed = JSON.parse(answer) as {
            ok: boolean;
            output?: unknown;
            error?: { message?: string; type?: string };
          };
          if (parsed.ok) resolve(parsed.output ?? null);
          else
            reject(
              new PowerShellError(parsed.error?.message ?? "PowerShell command failed.", parsed.error?.type),
            );
        } catch {
          reject(new PowerShellError(`Unreadable PowerShell answer: ${answer.slice(0, 200)}`));
        }
      });
      session.child.stdin.write(`${line.replace(/\r?\n/g, " ")}\n`);
    });
  }

  function stopSession(session: Session) {
    if (session.exited) return;
    session.child.stdin.end();
    session.child.kill();
  }

  async function ensureConnected(tenantId: string, session: Session) {
    if (session.connectedAt && Date.now() - session.connectedAt < RECONNECT_MS) return;
    const [graph, teams] = await Promise.all([
      options.tokens.get(tenantId, "graph"),
      options.tokens.get(tenantId, "teams-admin"),
    ]);
    await send(session, `Connect-MicrosoftTeams -AccessTokens @(${psQuote(graph)}, ${psQuote(teams)})`);
    session.connectedAt = Date.now();
  }

  return {
    async run(tenantId, command) {
      if (!extraEnv) extraEnv = (await options.env?.()) ?? {};
      const session = sessionFor(tenantId);
      session.lastUsed = Date.now();
      session.pending++;
      const result = session.queue.then(async () => {
        await ensureConnected(tenantId, session);
        return send(session, command);
      });
      session.queue = result.catch(() => undefined);
      try {
        return await result;
      } finally {
        session.pending--;
      }
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(
        all.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.exited) return resolve();
              s.child.once("exit", () => resolve());
              stopSession(s);
              setTimeout(resolve, 2000).unref();
            }),
        ),
      );
    },
  };
}
