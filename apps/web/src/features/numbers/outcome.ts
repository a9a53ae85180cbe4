import { ApiError } from "../../api/client";

/** What an upload or allocation form says after a request: green when it went through, red otherwise. */
export interface Outcome {
  ok: boolean;
  text: string;
}

/** A failed request's outcome: the message of every rejected field, or else the error's own message. */
export function failed(e: Error): Outcome {
  return {
    ok: false,
    text: e instanceof ApiError && e.errors.length ? e.errors.map((x) => x.message).join(" ") : e.message,
  };
}
