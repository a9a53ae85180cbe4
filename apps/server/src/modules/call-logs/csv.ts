import type { CallLog } from "./service.js";

export const CALL_LOG_CSV_HEADER = [
  "Started",
  "Answered",
  "Ended",
  "Duration (s)",
  "Direction",
  "Result",
  "SIP code",
  "SIP reason",
  "From",
  "To",
  "Teams user",
  "Teams user number",
  "Enterprise",
  "Trunk FQDN",
  "Microsoft proxy",
  "Call-ID",
];

/** One CSV cell (RFC 4180). A cell that a spreadsheet would run as a formula is prefixed with ' — except +E.164 numbers. */
export function csvCell(value: string | number | Date | null): string {
  if (value === null) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (cells: (string | number | Date | null)[]) => `${cells.map(csvCell).join(",")}\r\n`;

export function callLogCsvLine(call: CallLog): string {
  return csvLine([
    call.startedAt,
    call.answeredAt,
    call.endedAt,
    call.durationSeconds,
    call.direction === "pbx-to-teams" ? "PBX to Teams" : "Teams to PBX",
    call.result,
    call.sipCode,
    call.sipReason,
    call.fromNumber,
    call.toNumber,
    call.teamsUser?.userPrincipalName ?? null,
    call.teamsUserNumber,
    call.enterprise.name,
    call.trunkFqdn,
    call.microsoftProxy,
    call.callId,
  ]);
}

/** The CSV export: the header row, then every call of `pages` (streamed as pages arrive). */
export async function* callLogsCsv(pages: AsyncIterable<CallLog[]>): AsyncGenerator<string> {
  yield csvLine(CALL_LOG_CSV_HEADER);
  for await (const page of pages) yield page.map(callLogCsvLine).join("");
}
