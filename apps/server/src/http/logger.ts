import { createRequire } from "node:module";
import type { FastifyRequest } from "fastify";
import pino, { type Logger, type LoggerOptions } from "pino";
import { redactUrl, withoutQueryParameters } from "./log-redaction.js";

/** Paths never written to the log, wherever they appear. */
const secretKeys = [
  "password",
  "currentPassword",
  "newPassword",
  "temporaryPassword",
  "token",
  "accessToken",
  "refreshToken",
  "clientSecret",
  "secret",
  "sipPassword",
  "totpCode",
  "recoveryCode",
];

export const redactedPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...secretKeys,
  ...secretKeys.map((key) => `*.${key}`),
  ...secretKeys.map((key) => `*.*.${key}`),
];

/** An identical error line (same message and error) is written at most once per window. */
export const REPEATED_ERROR_WINDOW_MS = 10_000;
const ERROR_LEVEL = 50;

/**
 * Suppresses repeats of the same error line within `windowMs`; the next line written after the window
 * carries `suppressedRepeats`, the number left out. An outage (database down, every request and poll
 * failing the same way) then costs a few lines, not thousands.
 */
export function repeatedErrorLimiter(windowMs = REPEATED_ERROR_WINDOW_MS, now = () => Date.now()) {
  const seen = new Map<string, { until: number; suppressed: number }>();
  return (key: string): { write: boolean; suppressed: number } => {
    const at = now();
    const entry = seen.get(key);
    if (entry && at < entry.until) {
      entry.suppressed++;
      return { write: false, suppressed: 0 };
    }
    if (seen.size > 1000) for (const [k, e] of seen) if (e.until <= at) seen.delete(k);
    seen.set(key, { until: at + windowMs, suppressed: 0 });
    return { write: true, suppressed: entry?.suppressed ?? 0 };
  };
}

function errorKey(args: unknown[]): string {
  const [first, second] = args;
  const fields = first && typeof first === "object" ? (first as Record<string, unknown>) : {};
  const message = typeof first === "string" ? first : typeof second === "string" ? second : "";
  const err = (fields.err ?? (first instanceof Error ? first : undefined)) as
    | { code?: unknown; message?: unknown }
    | undefined;
  // The same failure repeats with varying ids, ports and counts in its text; those do not make it new.
  const detail =
    err?.code !== undefined
      ? String(err.code)
      : String(err?.message ?? "").replace(/[0-9a-f-]*\d[0-9a-f-]*/gi, "#");
  return `${message}|${detail}`;
}

export function loggerOptions(level: string): LoggerOptions {
  const limiter = repeatedErrorLimiter();
  return {
    level,
    redact: { paths: redactedPaths, censor: "[redacted]" },
    serializers: {
      err: (error: unknown) => {
        const safe = withoutQueryParameters(error);
        return safe instanceof Error ? pino.stdSerializers.err(safe) : safe;
      },
      // Fastify's request serializer, with capabilities (OAuth codes, link tokens) taken out of the URL.
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url, request.routeOptions?.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    hooks: {
      logMethod(args, method, levelValue) {
        if (levelValue < ERROR_LEVEL) return method.apply(this, args);
        const { write, suppressed } = limiter(errorKey(args));
        if (!write) return;
        if (suppressed > 0) {
          const [first, ...rest] = args as unknown[];
          const withCount =
            first && typeof first === "object" && !(first instanceof Error)
              ? [{ ...(first as object), suppressedRepeats: suppressed }, ...rest]
              : [
                  { suppressedRepeats: suppressed, ...(first instanceof Error ? { err: first } : {}) },
                  ...(typeof first === "string" ? [first, ...rest] : rest),
                ];
          return method.apply(this, withCount as Parameters<typeof method>);
        }
        return method.apply(this, args);
      },
    },
  };
}

export interface LoggerOutput {
  /** Human-readable lines (pino-pretty) instead of JSON: for a developer's terminal, never in production. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

const requireOptional = createRequire(import.meta.url);

export function createLogger(level: string, output: LoggerOutput = {}): Logger {
  if (output.pretty) {
    try {
      // A development dependency: where it is not installed (a production image), logs stay JSON.
      const pretty = requireOptional("pino-pretty") as (options: object) => NodeJS.WritableStream;
      return pino(
        loggerOptions(level),
        pretty({
          colorize: !output.destination,
          translateTime: "SYS:HH:MM:ss",
          ignore: "pid,hostname",
          sync: true,
          ...(output.destination ? { destination: output.destination } : {}),
        }),
      );
    } catch {
      // fall through to JSON
    }
  }
  return output.destination
    ? pino(loggerOptions(level), output.destination as pino.DestinationStream)
    : pino(loggerOptions(level));
}

/** Pretty logs when a developer watches a terminal; JSON for files, pipes and production. */
export function terminalLogging(nodeEnv: string): LoggerOutput {
  return { pretty: nodeEnv !== "production" && process.stdout.isTTY === true };
}
