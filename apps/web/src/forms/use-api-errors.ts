import { useState } from "react";
import { type FieldMatcher, problemMessages } from "./problem";
import { useSubmit } from "./use-submit";

/**
 * Errors of a form whose inputs keep their own state: per-field messages for the inputs it shows, one message
 * for everything else, and `submit` (busy state, errors shown). Forms built on Mantine's `useForm` use
 * `useApiForm` instead.
 */
export function useApiErrors(fields: FieldMatcher) {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const clear = () => {
    setFieldErrors({});
    setFormError(null);
  };
  const show = (error: unknown) => {
    const messages = problemMessages(error, fields);
    setFieldErrors(messages.fieldErrors);
    setFormError(messages.formError);
  };
  const { busy, submit } = useSubmit({ onStart: clear, onError: show });
  return { fieldErrors, formError, busy, clear, show, submit };
}
