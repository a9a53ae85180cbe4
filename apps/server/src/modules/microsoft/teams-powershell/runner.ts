import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { RetryLater } from "../../../jobs/define-job.js";
import type { TokenProvider } from "../tokens.js";

/**
 * The documented MicrosoftTeams cmdlets the portal may run, and nothing else: the bootstrap loop refuses any
 * other name. Cmdlets that support application-based authentication:
 * https://learn.microsoft.com/microsoftteams/teams-powershell-application-authentication
 */
export const TEAMS_CMDLETS = [
  "Connect-MicrosoftTeams",
  "Disconnect-MicrosoftTeams",
  "Get-CsOnlinePstnUsage",
  "Set-CsOnlinePstnUsage",
  "Get-CsOnlineVoiceRoute",
  "New-CsOnlineVoiceRoute",
  "Set-CsOnlineVoiceRoute",
  "Remove-CsOnlineVoiceRoute",
  "Get-CsOnlineVoiceRoutingPolicy",
  "New-CsOnlineVoiceRoutingPolicy",
  "Set-CsOnlineVoiceRoutingPolicy",
  "Remove-CsOnlineVoiceRoutingPolicy",
  "Grant-CsOnlineVoiceRoutingPolicy",
  "Get-CsTenantDialPlan",
  "New-CsTenantDialPlan",
  "Set-CsTenantDialPlan",
  "Remove-CsTenantDialPlan",
  "Grant-CsTenantDialPlan",
  "Get-CsOnlinePSTNGateway",
  "New-CsOnlinePSTNGateway",
  "Set-CsOnlinePSTNGateway",
  "Get-CsOnlineUser",
  "Get-CsOnlineVoicemailUserSettings",
  "Set-CsOnlineVoicemailUserSettings",
] as const;
export type TeamsCmdlet = (typeof TEAMS_CMDLETS)[number];

/** A parameter value as JSON carries it; switch parameters are booleans. */
export type PsData = string | number | boolean | null | PsData[] | { [key: string]: PsData };
export type PsParameters = Record<string, PsData | undefined>;

/**
 * Long-lived PowerShell processes with the MicrosoftTeams module, one per customer tenant (at most
 * `maxProcesses`, least recently used closed first), connected app-only with
 * `Connect-MicrosoftTeams -AccessTokens @(<graph>, <teams>)`.
 *
 * Protocol: one JSON line per command on stdin, `{"cmdlet":"Set-CsOnlineVoiceRoute","parameters":{...}}`;
 * the process answers exactly one JSON line `{"ok":true,"output":…}` or `{"ok":false,"error":{…}}`. Values
 * are data, never script text: the BOOTSTRAP loop parses the line with `ConvertFrom-Json -AsHashtable`,
 * checks the cmdlet against TEAMS_CMDLETS and splats the parameters (`& $cmdlet @parameters`). A
 * `NormalizationRules` list holds the parameters of `New-CsVoiceNormalizationRule`, which the loop runs with
 * `-InMemory` for each rule. The emulator's `m365-emulator-pwsh` stand-in speaks the same protocol.
 */
export const BOOTSTRAP = [
  "$ErrorActionPreference = 'Stop'",
  "Import-Module MicrosoftTeams -ErrorAction SilentlyContinue | Out-Null",
  `$s2tAllowed = @(${TEAMS_CMDLETS.map((c) => `'${c}'`).join(", ")})`,
  "while ($null -ne ($s2tLine = [Console]::In.ReadLine())) {",
  "  if ($s2tLine.Trim() -eq '') { continue }",
  "  try {",
  "    $s2tRequest = ConvertFrom-Json -InputObject $s2tLine -AsHashtable",
  "    $s2tCmdlet = [string]$s2tRequest['cmdlet']",
  "    if ($s2tAllowed -cnotcontains $s2tCmdlet) { throw \"The cmdlet '$s2tCmdlet' is not allowed.\" }",
  "    $s2tParameters = $s2tRequest['parameters']",
  "    if ($null -eq $s2tParameters) { $s2tParameters = @{} }",
  "    if ($null -ne $s2tParameters['NormalizationRules']) {",
  "      $s2tParameters['NormalizationRules'] = @(foreach ($s2tRule in $s2tParameters['NormalizationRules']) { New-CsVoiceNormalizationRule @s2tRule -InMemory })",
  "    }",
  "    $s2tOut = & $s2tCmdlet @s2tParameters",
  "    $s2tJson = @{ ok = $true; output = $s2tOut } | ConvertTo-Json -Depth 8 -Compress -EscapeHandling EscapeNonAscii",
  "  } catch {",
  "    $s2tJson = @{ ok = $false; error = @{ message = $_.Exception.Message; type = $_.Exception.GetType().Name; fullyQualifiedErrorId = $_.FullyQualifiedErrorId; category = [string]$_.CategoryInfo.Category } } | ConvertTo-Json -Depth 4 -Compress -EscapeHandling EscapeNonAscii",
  "  }",
  "  [Console]::Out.WriteLine($s2tJson)",
  "}",
].join("\n");

/**
 * One request line: JSON with every non-ASCII character escaped, so the line is plain ASCII whatever the
 * console encoding, and no character (curly quotes, U+2028) can end or bend it.
 */
export function requestLine(cmdlet: TeamsCmdlet, parameters: PsParameters): string {
  const defined = Object.fromEntries(Object.entries(parameters).filter(([, v]) => v !== undefined));
  return JSON.stringify({ cmdlet, parameters: defined }).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** What a failed command answered. `transient` marks failures of the process or the connection, not the cmdlet's. */
export class PowerShellError extends Error {
  constructor(
    message: string,
    readonly type = "PowerShellError",
    readonly details: { fullyQualifiedErrorId?: string; category?: string; transient?: boolean } = {},
  ) {
    super(message);
    this.name = "PowerShellError";
  }
  get transient(): boolean {
    return (
      this.details.transient === true ||
      this.details.category === "ConnectionError" ||
      this.details.category === "ResourceUnavailable"
    );
  }
}

const NOT_AUTHORIZED = new Set(["AuthenticationError", "PermissionDenied"]);

export interface PowerShellPool {
  /** Runs one allow-listed cmdlet for the tenant with its parameters as data; resolves with its (JSON) output. */
  run(tenantId: string, cmdlet: TeamsCmdlet, parameters?: PsParameters): Promise<unknown>;
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
    const ended = (message: string) => {
      session.exited = true;
      sessions.delete(key);
      for (const w of session.waiting.splice(0))
        w(JSON.stringify({ ok: false, error: { message, category: "ResourceUnavailable" } }));
    };
    child.on("error", (error) => {
      options.log.error({ err: error, pwsh: options.pwshPath }, "PowerShell process failed to start");
      ended(`PowerShell could not start (${options.pwshPath}): ${error.message}`);
    });
    child.on("exit", (code) => ended(`PowerShell exited (${code}). ${session.stderr.trim()}`.trim()));
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

  function send(session: Session, cmdlet: TeamsCmdlet, parameters: PsParameters): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!TEAMS_CMDLETS.includes(cmdlet))
        return reject(new PowerShellError(`The cmdlet '${cmdlet}' is not allowed.`));
      if (session.exited)
        return reject(
          new PowerShellError("PowerShell is not running.", "PowerShellError", { transient: true }),
        );
      const timer = setTimeout(() => {
        stopSession(session);
        reject(
          new PowerShellError(`PowerShell did not answer within ${timeoutMs / 1000}s.`, "TimeoutException", {
            transient: true,
          }),
        );
      }, timeoutMs);
      session.waiting.push((answer) => {
        clearTimeout(timer);
        let parsed: {
          ok: boolean;
          output?: unknown;
          error?: {
            message?: string;
            type?: string;
            fullyQualifiedErrorId?: string;
            category?: string;
            retryAfter?: number;
          };
        };
        try {
          parsed = JSON.parse(answer);
        } catch {
          return reject(new PowerShellError(`Unreadable PowerShell answer: ${answer.slice(0, 200)}`));
        }
        if (parsed.ok) return resolve(parsed.output ?? null);
        const error = parsed.error ?? {};
        // The emulator's stand-in passes Microsoft's Retry-After on; the job waits that long.
        if (typeof error.retryAfter === "number")
          return reject(new RetryLater(error.retryAfter, error.message ?? "Microsoft asked to wait."));
        reject(
          new PowerShellError(`${cmdlet}: ${error.message ?? "PowerShell command failed."}`, error.type, {
            fullyQualifiedErrorId: error.fullyQualifiedErrorId,
            category: error.category,
          }),
        );
      });
      session.child.stdin.write(`${requestLine(cmdlet, parameters)}\n`);
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
    await send(session, "Connect-MicrosoftTeams", { AccessTokens: [graph, teams] });
    session.connectedAt = Date.now();
  }

  return {
    async run(tenantId, cmdlet, parameters = {}) {
      if (!extraEnv) extraEnv = (await options.env?.()) ?? {};
      const session = sessionFor(tenantId);
      session.lastUsed = Date.now();
      session.pending++;
      const result = session.queue.then(async () => {
        await ensureConnected(tenantId, session);
        try {
          return await send(session, cmdlet, parameters);
        } catch (error) {
          // Refused for want of a role (e.g. still propagating): connect again next time, with new tokens.
          if (error instanceof PowerShellError && NOT_AUTHORIZED.has(error.details.category ?? ""))
            session.connectedAt = 0;
          throw error;
        }
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
