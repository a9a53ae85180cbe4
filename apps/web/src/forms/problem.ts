import { ApiError } from "../api/client";

/** Which problem+json `errors[].field` paths a form shows next to an input. */
export type FieldMatcher = readonly string[] | ((field: string) => boolean);

export interface ProblemMessages {
  /** Messages for the inputs the form has, keyed by field path. */
  fieldErrors: Record<string, string>;
  /** One message for everything else (a field the form has no input for, 429, network…), or null. */
  formError: string | null;
}

export const NETWORK_ERROR = "Something went wrong. Check your connection and try again.";

/**
 * The one mapping from a failed API call to what a form shows: per-field messages (problem+json `errors`)
 * for the inputs it has, and one message for the rest.
 */
export function problemMessages(error: unknown, fields: FieldMatcher): ProblemMessages {
  if (!(error instanceof ApiError)) return { fieldErrors: {}, formError: NETWORK_ERROR };
  const shows = typeof fields === "function" ? fields : (field: string) => fields.includes(field);
  const all = Object.entries(error.fieldErrors());
  const fieldErrors = Object.fromEntries(all.filter(([field]) => shows(field)));
  const other = all.filter(([field]) => !shows(field)).map(([, message]) => message);
  const formError =
    other.length > 0
      ? other.join(" ")
      : Object.keys(fieldErrors).length > 0
        ? null
        : (error.detail ?? error.title);
  return { fieldErrors, formError };
}
