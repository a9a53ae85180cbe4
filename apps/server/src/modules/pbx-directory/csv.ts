import { parse } from "csv-parse/sync";
import { Problem } from "../../http/problem.js";
import type { PbxDirectoryDocument } from "./adapter.js";

export const PBX_CSV_MAX_CHARS = 5_000_000;

/**
 * A PBX directory CSV: `extension,name,default_caller_id` per line (a header line naming `extension` first
 * is skipped; the caller ID may be empty). Returns the directory document, checked like an HTTP answer.
 */
export function directoryFromCsv(csv: string): PbxDirectoryDocument {
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw Problem.invalid([{ field: "csv", message: `The file is not CSV: ${(error as Error).message}` }]);
  }
  if (records[0]?.[0]?.toLowerCase() === "extension") records.shift();
  return {
    users: records.map((cells) => ({
      extension: cells[0] ?? "",
      name: cells[1] ?? "",
      defaultCallerId: cells[2] ? cells[2] : null,
    })),
  };
}
