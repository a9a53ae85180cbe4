import { type UseFormInput, useForm } from "@mantine/form";
import { type FormEvent, useState } from "react";
import { type FieldMatcher, problemMessages } from "./problem";
import { useSubmit } from "./use-submit";

/**
 * A Mantine form backed by the API: `form` holds the values and per-field errors (problem+json `errors[]`
 * land on the inputs of the same path; typing in an input clears its error), `formError` the rest, and
 * `onSubmit(action)` is the form's submit handler (busy state, one request at a time, errors shown).
 * `fields` defaults to the form's top-level value names.
 */
export function useApiForm<Values extends Record<string, unknown>>(
  input: UseFormInput<Values> & { initialValues: Values; fields?: FieldMatcher },
) {
  const { fields = Object.keys(input.initialValues), ...options } = input;
  const form = useForm<Values>({ mode: "controlled", ...options });
  const [formError, setFormError] = useState<string | null>(null);
  const { busy, submit } = useSubmit({
    onStart: () => {
      form.clearErrors();
      setFormError(null);
    },
    onError: (error) => {
      const messages = problemMessages(error, fields);
      form.setErrors(messages.fieldErrors);
      setFormError(messages.formError);
    },
  });
  return {
    form,
    formError,
    setFormError,
    busy,
    onSubmit: (action: (values: Values) => Promise<void>) => (event?: FormEvent<HTMLFormElement>) => {
      event?.preventDefault();
      void submit(() => action(form.getValues()));
    },
  };
}
