import pino, { type Logger, type LoggerOptions } from "pino";

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

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: redactedPaths, censor: "[redacted]" } };
}

export function createLogger(level: string): Logger {
  return pino(loggerOptions(level));
}
