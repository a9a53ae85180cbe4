import type { TeamsUsersFilter } from "./list-query";

/** The Users page's filter choices, in the order the Filter select shows them. */
export const FILTERS = [
  { value: "all", label: "All users" },
  { value: "provisioned", label: "Added users" },
  { value: "not-provisioned", label: "Eligible, not added" },
  { value: "calling-enabled", label: "Calling enabled" },
  { value: "calling-disabled", label: "Calling disabled" },
  { value: "pending", label: "Pending" },
  { value: "failed", label: "Failed or needs cleanup" },
  { value: "ineligible", label: "Not eligible" },
  { value: "removed", label: "Removed from Microsoft 365" },
] as const satisfies readonly { value: TeamsUsersFilter; label: string }[];
export type Filter = (typeof FILTERS)[number]["value"];

export const filterFrom = (value: string | null | undefined): Filter =>
  FILTERS.find((f) => f.value === value)?.value ?? "all";
