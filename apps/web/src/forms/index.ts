export { ConflictAlert } from "./ConflictAlert";
export { FormActions } from "./FormActions";
export { type FieldMatcher, NETWORK_ERROR, type ProblemMessages, problemMessages } from "./problem";
export { useApiErrors } from "./use-api-errors";
export { useApiForm } from "./use-api-form";
export { useEditVersion } from "./use-edit-version";
export { useSubmit } from "./use-submit";
