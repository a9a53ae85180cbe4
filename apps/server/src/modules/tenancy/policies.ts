import type { PortalRole } from "../identity/schema.js";

/** What a route may need. Kept coarse on purpose; modules add finer rules in their own policies. */
/** `administer`: account-level settings of an Admin (e.g. operator settings, which hold credentials). */
export type Permission = "read" | "write" | "manage-users" | "administer";

const grants: Record<PortalRole, readonly Permission[]> = {
  Admin: ["read", "write", "manage-users", "administer"],
  User: ["read", "write"],
  "Read-only": ["read"],
};

export function roleAllows(role: PortalRole, permission: Permission): boolean {
  return grants[role].includes(permission);
}

interface PathHolder {
  path: string;
}

/** A user acts on their own account and every account below it, never above or beside. */
export function reaches(actorAccount: PathHolder, target: PathHolder): boolean {
  return target.path.startsWith(actorAccount.path);
}

export function childPath(parent: PathHolder, childId: string): string {
  return `${parent.path}${childId}/`;
}
