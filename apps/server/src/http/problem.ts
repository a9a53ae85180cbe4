import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { z } from "zod";
import { isDatabaseUnavailable } from "../db/availability.js";

/** One entry per invalid field; `field` is a dotted path such as `devices.0.password`. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details. Throw it from anywhere in a request; the error handler renders it. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly type = "about:blank",
  ) {
    super(detail ?? title);
    this.name = "Problem";
  }

  static badRequest(detail: string, errors?: FieldError[]) {
    return new Problem(400, "Bad Request", detail, errors);
  }
  static invalid(errors: FieldError[], detail = "Some fields are invalid.") {
    return new Problem(400, "Bad Request", detail, errors);
  }
  static field(field: string, message: string) {
    return Problem.invalid([{ field, message }], message);
  }
  static unauthorized(detail = "Sign in to continue.") {
    return new Problem(401, "Unauthorized", detail);
  }
  static forbidden(detail = "You do not have permission to do this.") {
    return new Problem(403, "Forbidden", detail);
  }
  static notFound(detail = "Not found.") {
    return new Problem(404, "Not Found", detail);
  }
  static conflict(detail: string, errors?: FieldError[]) {
    return new Problem(409, "Conflict", detail, errors);
  }
  static tooManyRequests(detail: string) {
    return new Problem(429, "Too Many Requests", detail);
  }
  static unavailable(detail: string) {
    return new Problem(503, "Service Unavailable", detail);
  }
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

export type ProblemBody = z.infer<typeof problemSchema>;

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem) {
  const body: ProblemBody = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    instance: request.url.split("?")[0],
    requestId: request.id,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  return reply.code(problem.status).type("application/problem+json").serializer(JSON.stringify).send(body);
}

function validationProblem(error: FastifyError): Problem {
  const context = (error as { validationContext?: string }).validationContext;
  const errors: FieldError[] = (error.validation ?? []).map((issue) => {
    const fromPath = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
    return { field: fromPath || missing || context || "body", message: issue.message ?? "is invalid" };
  });
  const where = context === "querystring" ? "query" : (context ?? "request");
  return Problem.invalid(
    errors,
    `The ${where} has invalid fields: ${errors.map((e) => e.field).join(", ")}.`,
  );
}

/** Seconds a client is asked to wait while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

function databaseErrorCode(error: unknown): string {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === "string") return current.code;
    current = current.cause as typeof current;
  }
  return "unknown";
}

/** Renders every error as problem+json; 5xx details are logged with the request id, never sent. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof Problem) return sendProblem(reply, request, error);
  if (hasZodFastifySchemaValidationErrors(error) || error.validation)
    return sendProblem(reply, request, validationProblem(error));
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status < 500) {
    return sendProblem(reply, request, new Problem(status, titleFor(status), error.message));
  }
  if (isDatabaseUnavailable(error)) {
    // Repeats of this line are rate-limited by the logger (one per window, with a count).
    request.log.error(
      { err: { code: databaseErrorCode(error), message: "database unavailable" } },
      "database unavailable",
    );
    reply.header("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
    return sendProblem(
      reply,
      request,
      Problem.unavailable("The database is not reachable right now. Try again in a few seconds."),
    );
  }
  const callersFault = databaseProblem(error);
  if (callersFault) return sendProblem(reply, request, callersFault);
  request.log.error({ err: error }, "request failed");
  return sendProblem(
    reply,
    request,
    new Problem(
      500,
      "Internal Server Error",
      "Something went wrong. Quote the request id when reporting it.",
    ),
  );
}

/** PostgreSQL errors caused by what the caller sent (SQLSTATE → status and message). */
const CALLERS_FAULT: Record<string, { status: 400 | 409; detail: string }> = {
  "22P02": { status: 400, detail: "A value has the wrong form (e.g. an id that is not a UUID)." },
  "22021": { status: 400, detail: "A value contains characters that cannot be stored." },
  "22007": { status: 400, detail: "A date or time is not valid." },
  "22008": { status: 400, detail: "A date or time is out of range." },
  "22003": { status: 400, detail: "A number is out of range." },
  "22001": { status: 400, detail: "A value is too long." },
  "23503": { status: 409, detail: "This refers to something that does not exist (any longer)." },
  "23505": { status: 409, detail: "This already exists." },
};

/**
 * A database error that is the caller's fault becomes a 4xx, never a 500. The schemas are the real boundary;
 * this keeps a gap in them from becoming a 500 with a stack in the log.
 */
function databaseProblem(error: unknown): Problem | null {
  const mapped = CALLERS_FAULT[databaseErrorCode(error)];
  if (!mapped) return null;
  return new Problem(mapped.status, titleFor(mapped.status), mapped.detail);
}

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
  };
  return titles[status] ?? "Error";
}
