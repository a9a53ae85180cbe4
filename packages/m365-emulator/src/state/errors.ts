/** A rule violation, mapped by each surface onto its own error shape (Graph, Teams admin, PowerShell). */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) =>
  new EmulatorError(
    404,
    "Request_ResourceNotFound",
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
export const badRequest = (message: string, code = "Request_BadRequest") =>
  new EmulatorError(400, code, message);
