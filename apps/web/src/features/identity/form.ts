import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";

/**
 * Errors of a form backed by the API: per-field messages (problem+json `errors`) for the inputs it shows,
 * and one message for everything else (a field the form has no input for, 429, network…).
 */
export function useApiErrors(fields: readonly string[]) {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  return {
    fieldErrors,
    formError,
    clear() {
      setFieldErrors({});
      setFormError(null);
    },
    show(error: unknown) {
      if (error instanceof ApiError) {
        const all = error.fieldErrors();
        const shown = Object.fromEntries(Object.entries(all).filter(([field]) => fields.includes(field)));
        const other = Object.entries(all)
          .filter(([field]) => !fields.includes(field))
          .map(([, message]) => message);
        setFieldErrors(shown);
        setFormError(
          other.length > 0
            ? other.join(" ")
            : Object.keys(shown).length > 0
              ? null
              : (error.detail ?? error.title),
        );
      } else {
        setFieldErrors({});
        setFormError("Something went wrong. Check your connection and try again.");
      }
    },
  };
}

/**
 * The token of an emailed link. Links put it in the fragment (`#token=…`), which browsers never send to the
 * server, so it stays out of logs; `?token=` is accepted too. Read once, then removed from the address bar.
 */
export function useLinkToken(): string | undefined {
  const [token] = useState(() => {
    const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("token");
    const fromQuery = new URLSearchParams(window.location.search).get("token");
    return fromHash ?? fromQuery ?? undefined;
  });
  useEffect(() => {
    if (token) window.history.replaceState(window.history.state, "", window.location.pathname);
  }, [token]);
  return token;
}
