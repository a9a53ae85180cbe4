import { readFileSync } from "node:fs";
import { request } from "node:https";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import tls from "node:tls";
import { bindCommand, PsError, type PsErrorRecord } from "./cmdlets.js";
import { type PsCommand, PsParseError, parseCommandLine } from "./parser.js";

/**
 * The `m365-emulator-pwsh` stand-in for `pwsh` with the MicrosoftTeams module.
 * Framing: one command per input line; exactly one JSON line per command on stdout:
 * `{"ok":true,"output":...}` or `{"ok":false,"error":{type,message,category,fullyQualifiedErrorId}}`.
 * A line may also be JSON `{"id":..., "command":"..."}`; the reply then carries the same `id`.
 * Empty lines and lines starting with `#` produce no output.
 */

type Result = { ok: true; output: unknown } | { ok: false; error: PsErrorRecord };

interface Session {
  teamsToken: string;
  info: unknown;
}

function caFrom(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.M365_EMULATOR_CA;
  if (!raw) return undefined;
  const pem = raw.includes("-----BEGIN") ? raw : readFileSync(raw, "utf8");
  return [...tls.getCACertificates("default"), pem];
}

function postJson(url: string, body: unknown, token: string | null, ca: string[] | undefined) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      url,
      {
        method: "POST",
        ca,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(data),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const fail = (type: string, message: string, category: string, id: string): Result => ({
  ok: false,
  error: { type, message, category, fullyQualifiedErrorId: id },
});

export class StandIn {
  private session: Session | null = null;
  private readonly base: string;
  private readonly ca: string[] | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const url = env.M365_EMULATOR_URL;
    if (!url) throw new Error("M365_EMULATOR_URL is not set.");
    this.base = url.replace(/\/$/, "");
    this.ca = caFrom(env);
  }

  async run(line: string): Promise<Result> {
    // `$ErrorActionPreference = "Stop"` and friends only steer the host; the stand-in always reports errors.
    if (/^\$\w+Preference\s*=/.test(line.trim())) return { ok: true, output: null };
    let cmd: PsCommand;
    try {
      cmd = parseCommandLine(line);
      const bound = bindCommand(cmd);
      if (bound.cmdlet === "Connect-MicrosoftTeams") return await this.connect(bound.parameters.AccessTokens);
      if (bound.cmdlet === "Import-Module") {
        const missing = (bound.parameters.Name as string[]).find((n) => n.toLowerCase() !== "microsoftteams");
        if (missing) {
          return fail(
            "FileNotFoundException",
            `The specified module '${missing}' was not loaded because no valid module file was found in any module directory.`,
            "ResourceUnavailable",
            "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
          );
        }
        return { ok: true, output: null };
      }
      if (bound.cmdlet === "Disconnect-MicrosoftTeams") {
        this.session = null;
        return { ok: true, output: null };
      }
    } catch (e) {
      if (e instanceof PsError) return { ok: false, error: e.record };
      if (e instanceof PsParseError)
        return fail("ParseException", e.message, "ParserError", "ParseException");
      return fail(
        "RuntimeException",
        e instanceof Error ? e.message : String(e),
        "NotSpecified",
        "RuntimeException",
      );
    }
    if (!this.session) {
      return fail(
        "UnauthorizedAccessException",
        "You must call the Connect-MicrosoftTeams cmdlet before calling any other cmdlets.",
        "AuthenticationError",
        `UnauthorizedAccessException,${cmd.name}`,
      );
    }
    try {
      const res = await postJson(
        `${this.base}/_emulator/pwsh/invoke`,
        { command: cmd },
        this.session.teamsToken,
        this.ca,
      );
      const body = res.body as Result | { ok: false; error: { type: string; message: string } };
      if (body && typeof body === "object" && "ok" in body) {
        if (body.ok) return body;
        return fail(
          body.error.type,
          body.error.message,
          (body.error as PsErrorRecord).category ?? "NotSpecified",
          (body.error as PsErrorRecord).fullyQualifiedErrorId ?? `${body.error.type},${cmd.name}`,
        );
      }
      return fail(
        "HttpResponseException",
        `Unexpected response (${res.status}).`,
        "ConnectionError",
        cmd.name,
      );
    } catch (e) {
      return fail(
        "HttpRequestException",
        e instanceof Error ? e.message : String(e),
        "ConnectionError",
        cmd.name,
      );
    }
  }

  private async connect(tokens: unknown): Promise<Result> {
    if (!Array.isArray(tokens) || tokens.length === 0) {
      return fail(
        "NotSupportedException",
        "The stand-in supports only app-only sign-in: Connect-MicrosoftTeams -AccessTokens @(<graphToken>, <teamsToken>).",
        "NotImplemented",
        "NotSupportedException,Connect-MicrosoftTeams",
      );
    }
    const res = await postJson(
      `${this.base}/_emulator/pwsh/connect`,
      { accessTokens: tokens },
      null,
      this.ca,
    );
    if (res.status !== 200) {
      const message = (res.body as { error?: { message?: string } })?.error?.message ?? `HTTP ${res.status}`;
      return fail(
        "AuthenticationException",
        message,
        "AuthenticationError",
        "Connect-MicrosoftTeams,Microsoft.Teams.PowerShell.TeamsCmdlets",
      );
    }
    const teamsToken = (tokens as string[]).find((t) => {
      try {
        const payload = JSON.parse(Buffer.from(t.split(".")[1] ?? "", "base64url").toString("utf8")) as {
          aud?: string;
        };
        return payload.aud === "48ac35b8-9aa8-4d74-927d-1f4a14a0b239";
      } catch {
        return false;
      }
    });
    this.session = { teamsToken: teamsToken ?? "", info: res.body };
    return { ok: true, output: res.body };
  }
}

export async function runStandIn(
  input: Readable = process.stdin,
  output: Writable = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let standIn: StandIn;
  try {
    standIn = new StandIn(env);
  } catch (e) {
    process.stderr.write(`m365-emulator-pwsh: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
    return;
  }
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    let id: unknown;
    let command = line;
    if (line.startsWith("{")) {
      try {
        const msg = JSON.parse(line) as { id?: unknown; command?: unknown };
        id = msg.id;
        command = String(msg.command ?? "");
      } catch {
        output.write(
          `${JSON.stringify(fail("ParseException", "Invalid JSON request line.", "ParserError", "ParseException"))}\n`,
        );
        continue;
      }
    }
    const result = await standIn.run(command);
    output.write(`${JSON.stringify(id === undefined ? result : { id, ...result })}\n`);
  }
}
