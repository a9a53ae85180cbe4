import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function graphDate(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "");
}

/** Graph's error body with `innerError` (reference §2.1). */
export function graphError(req: FastifyRequest, code: string, message: string) {
  const requestId = (req.headers["x-emulator-request-id"] as string | undefined) ?? randomUUID();
  const clientRequestId = (req.headers["client-request-id"] as string | undefined) ?? requestId;
  return {
    error: {
      code,
      message,
      innerError: {
        date: graphDate(),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      } as Record<string, unknown>,
    },
  };
}

export const forbidden = () =>
  new GraphHttpError(
    403,
    "Authorization_RequestDenied",
    "Insufficient privileges to complete the operation.",
  );
export const badRequest = (message: string, code = "Request_BadRequest") =>
  new GraphHttpError(400, code, message);
export const unsupportedQuery = (message = "Unsupported Query.") =>
  new GraphHttpError(400, "Request_UnsupportedQuery", message);
export const resourceNotFound = (id: string) =>
  new GraphHttpError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
