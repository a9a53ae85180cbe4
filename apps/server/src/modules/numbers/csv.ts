import { Transform, type TransformCallback } from "node:stream";
import { type FieldError, Problem } from "../../http/problem.js";
import { toE164 } from "./service.js";

/** What a numbers CSV may be: the JSON body is read up to `maxBodyBytes`, then refused with 413. */
export const NUMBERS_CSV_LIMITS = {
  maxBodyBytes: 3 * 1024 * 1024,
  maxChars: 2_000_000,
  maxLineChars: 1024,
  maxLines: 100_000,
} as const;

const count = (n: number) => n.toLocaleString("en-US");
const REPORTED_ERRORS = 50;

/**
 * Counts the request body as it arrives and fails with 413 as soon as it passes `maxBytes`, so a large
 * upload is neither buffered nor read to its end (Fastify's own limit keeps reading and discarding).
 */
export function limitBody(payload: NodeJS.ReadableStream, maxBytes: number): Transform {
  let received = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      received += chunk.length;
      if (received > maxBytes)
        return callback(
          new Problem(413, "Content Too Large", `The request is larger than ${maxBytes / 1024 / 1024} MB.`),
        );
      callback(null, chunk);
    },
  });
  payload.pipe(limited);
  return limited;
}

/**
 * The numbers of a CSV (first column; a header line is skipped). Every bad line is reported with its line
 * number; a line with a NUL character or with bytes that were not UTF-8 (decoded as U+FFFD) is refused as
 * not being CSV text.
 */
export function numbersFromCsv(csv: string): string[] {
  const lines = csv.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  if (lines.length > NUMBERS_CSV_LIMITS.maxLines) {
    const message = `The CSV has more than ${count(NUMBERS_CSV_LIMITS.maxLines)} lines: split it into several uploads.`;
    throw Problem.invalid([{ field: "csv", message }], message);
  }
  const numbers: string[] = [];
  const errors: FieldError[] = [];
  const refuse = (line: number, message: string, separator = "") => {
    if (errors.length < REPORTED_ERRORS)
      errors.push({ field: `csv.${line}`, message: `Line ${line}${separator} ${message}` });
  };
  for (const [i, text] of lines.entries()) {
    const line = i + 1;
    const refusal = text.includes("\u0000")
      ? "contains a NUL character: upload a CSV text file."
      : text.includes("\ufffd")
        ? "is not UTF-8 text: save the file as CSV UTF-8."
        : text.length > NUMBERS_CSV_LIMITS.maxLineChars
          ? `is longer than ${count(NUMBERS_CSV_LIMITS.maxLineChars)} characters.`
          : null;
    if (refusal) {
      refuse(line, refusal);
      continue;
    }
    const cell = text.split(",")[0]?.trim().replace(/^"|"$/g, "") ?? "";
    if (!cell || /^(number|phone|telephone)/i.test(cell)) continue;
    const n = toE164(cell);
    if (n) numbers.push(n);
    else refuse(line, `"${cell}" is not a valid E.164 number.`, ":");
  }
  if (errors.length > 0)
    throw Problem.invalid(errors, "Some lines are not valid numbers; nothing was added.");
  return numbers;
}
