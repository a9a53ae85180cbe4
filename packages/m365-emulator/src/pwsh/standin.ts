import { readFileSync } from "node:fs";
import { request } from "node:https";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import tls from "node:tls";
import { bindCommand, PsError, type PsErrorRecord, type PsRequest } from "./cmdlets.js";

/**
 * The `m365-emulator-pwsh` stand-in for `pwsh` with the MicrosoftTeams module and sip2teams' bootstrap loop.
 * Protocol: one JSON request per input line, `{"cmdlet":"Verb-Noun","parameters":{...}}` (values are data,
 * switches are booleans); exactly one JSON line per request on stdout: `{"ok":true,"output":...}` or
 * `{"ok":false,"error":{type,message,category,fullyQualifiedErrorId[,retryAfter]}}`. Empty lines produce no
 * output. There is no script text: anything else is refused.
 */

type Result = { ok: true; output: unknown } | { ok: false; error: PsErrorRecord & { retryAfter?: number } };

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
  return new Promise<{ status: number; body: unknown; retryAfter: number | null }>((resolve, reject) => {
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
          const header = Number(res.headers["retry-after"]);
          const retryAfter =
            res.headers["retry-after"] !== undefined && Number.isFinite(header) ? header : null;
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, retryAfter });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text, retryAfter });
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

  /** Parses one request line; a malformed one answers like PowerShell's `ConvertFrom-Json`. */
  static parse(line: string): PsRequest | Result {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (e) {
      return fail(
        "ArgumentException",
        `Conversion from JSON failed with error: ${e instanceof Error ? e.message : String(e)}`,
        "ParserError",
        "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
      );
    }
    const r = request as { cmdlet?: unknown; parameters?: unknown };
    const parameters = r?.parameters ?? {};
    if (
      !r ||
      typeof r !== "object" ||
      typeof r.cmdlet !== "string" ||
      typeof parameters !== "object" ||
      Array.isArray(parameters)
    ) {
      return fail(
        "ArgumentException",
        'A request is one JSON object {"cmdlet":"<name>","parameters":{...}}.',
        "InvalidArgument",
        "InvalidRequest",
      );
    }
    return { cmdlet: r.cmdlet, parameters: parameters as PsRequest["parameters"] };
  }

  async run(line: string): Promise<Result> {
    const parsed = StandIn.parse(line);
    if ("ok" in parsed) return parsed;
    try {
      const bound = bindCommand(parsed);
      if (bound.cmdlet === "Connect-MicrosoftTeams") return await this.connect(bound.parameters.AccessTokens);
      if (bound.cmdlet === "Disconnect-MicrosoftTeams") {
        this.session = null;
        return { ok: true, output: null };
      }
    } catch (e) {
      if (e instanceof PsError) return { ok: false, error: e.record };
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
        `UnauthorizedAccessException,${parsed.cmdlet}`,
      );
    }
    try {
      const res = await postJson(
        `${this.base}/_emulator/pwsh/invoke/${encodeURIComponent(parsed.cmdlet)}`,
        parsed,
        this.session.teamsToken,
        this.ca,
      );
      const body = res.body as Result | { ok?: undefined; error?: { code?: string; message?: string } };
      if (body && typeof body === "object" && "ok" in body && body.ok !== undefined) {
        if (body.ok) return body;
        return fail(
          body.error.type,
          body.error.message,
          body.error.category ?? "NotSpecified",
          body.error.fullyQualifiedErrorId ?? `${body.error.type},${parsed.cmdlet}`,
        );
      }
      // Throttling and outages reach the module as HTTP errors; Retry-After is passed on.
      const message =
        (body as { error?: { message?: string } })?.error?.message ?? `Unexpected response (${res.status}).`;
      const result = fail(
        "HttpResponseException",
        `Response status code does not indicate success: ${res.status}. ${message}`,
        "ConnectionError",
        `HttpResponseException,${parsed.cmdlet}`,
      );
      if (!result.ok && res.retryAfter !== null) result.error.retryAfter = res.retryAfter;
      return result;
    } catch (e) {
      return fail(
        "HttpRequestException",
        e instanceof Error ? e.message : String(e),
        "ConnectionError",
        parsed.cmdlet,
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
    if (!line) continue;
    // Like the bootstrap's `ConvertTo-Json -EscapeHandling EscapeNonAscii`: an ASCII line, which no character
    // (U+2028 included) can split.
    const json = JSON.stringify(await standIn.run(line)).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    output.write(`${json}\n`);
  }
}
