import type { Executor } from "../../../db/client.js";
import type { Account } from "../../tenancy/index.js";
import type { UserListQuery } from "./repository.js";
import { listUsers } from "./service.js";

const HEADER = [
  "Teams User",
  "Display Name",
  "Eligible",
  "Reason",
  "PBX Location",
  "SIP User",
  "Phone Number",
  "Voice Route",
  "Calling",
  "Status",
  "Last Error",
];

const EXPORT_PAGE = 1000;

/** A CSV cell; text a spreadsheet would run as a formula is prefixed with ' (a +E.164 number is kept). */
export function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  const safe = /^[=+\-@\t\r]/.test(s) && !/^\+\d+$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The Users page as a CSV (same search and filter, every page), CRLF line ends. */
export async function exportUsersCsv(
  db: Executor,
  enterprise: Account,
  query: Omit<UserListQuery, "page" | "pageSize" | "cursor">,
): Promise<string> {
  const lines = [HEADER.join(",")];
  // Keyset pages (each an index walk from the last row), not OFFSET pages that cost more the deeper they go.
  for (let cursor: string | undefined; ; ) {
    const { items, nextCursor } = await listUsers(db, enterprise, {
      ...query,
      page: 1,
      pageSize: EXPORT_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    for (const r of items) {
      const p = r.provisioned;
      lines.push(
        [
          r.userPrincipalName,
          r.displayName,
          r.eligible ? "yes" : "no",
          r.ineligibleReason,
          p?.pbxLocation,
          p?.sipUser,
          p?.phoneNumber,
          p?.regionName,
          p ? (p.callingEnabled && p.status === "done" ? "enabled" : "disabled") : "",
          p?.status,
          p?.lastError,
        ]
          .map(csvCell)
          .join(","),
      );
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return `${lines.join("\r\n")}\r\n`;
}
