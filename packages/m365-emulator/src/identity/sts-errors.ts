import { randomUUID } from "node:crypto";

export function stsTimestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

export interface StsErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** Builds the identity platform's JSON error shape (reference §1.6). */
export function stsError(
  host: string,
  error: string,
  code: number,
  message: string,
  correlationId?: string,
  suberror?: string,
): StsErrorBody {
  const timestamp = stsTimestamp();
  const traceId = randomUUID();
  const corr = correlationId ?? randomUUID();
  const body: StsErrorBody = {
    error,
    error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: corr,
    error_uri: `https://${host}/error?code=${code}`,
  };
  if (suberror) body.suberror = suberror;
  return body;
}

/** Thrown inside identity handlers; the token endpoint turns it into JSON, the browser flow into a page. */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
    readonly suberror?: string,
  ) {
    super(message);
  }
}
