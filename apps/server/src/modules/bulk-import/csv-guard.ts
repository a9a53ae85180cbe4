import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";

/** What a users CSV may be. 20,000 rows of one user each fit well within 5 MB. */
export const USERS_CSV_LIMITS = {
  maxBytes: 5 * 1024 * 1024,
  maxLineBytes: 4096,
  maxRows: 20_000,
} as const;

export type CsvLimits = typeof USERS_CSV_LIMITS;

/** The upload breaks a limit or is not UTF-8 text: the whole file is refused (413 for size, else 400). */
export class CsvRejected extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "CsvRejected";
  }
}

const count = (n: number) => n.toLocaleString("en-US");
const NEWLINE = 0x0a;

/**
 * Passes an uploaded CSV through as text, one complete line at a time, and fails as soon as the upload is
 * larger than `maxBytes`, a line is longer than `maxLineBytes`, a line holds a NUL byte (a binary file), or
 * a line is not UTF-8. Only the current line is held, so memory stays bounded whatever is sent.
 */
export function csvTextGuard(limits: CsvLimits = USERS_CSV_LIMITS): Transform {
  let total = 0;
  let line = 1;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let first = true;

  const binary = (at: number) =>
    new CsvRejected(
      400,
      `Line ${at} contains a NUL byte: this looks like a binary file, not a CSV text file.`,
    );
  const checkLine = (bytes: Buffer): string => {
    if (bytes.includes(0)) throw binary(line);
    if (!isUtf8(bytes))
      throw new CsvRejected(
        400,
        `Line ${line} is not UTF-8 text: save the file as CSV UTF-8 and upload it again.`,
      );
    return bytes.toString("utf8");
  };
  const tooLong = () =>
    new CsvRejected(
      400,
      `Line ${line} is longer than ${count(limits.maxLineBytes)} bytes (one user per line).`,
    );

  return new Transform({
    readableObjectMode: false,
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        total += chunk.length;
        if (total > limits.maxBytes)
          throw new CsvRejected(413, `The file is larger than ${limits.maxBytes / 1024 / 1024} MB.`);
        if (first) {
          first = false;
          if (
            chunk.length >= 2 &&
            ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
          )
            throw new CsvRejected(400, "The file is UTF-16 text: save it as CSV UTF-8 and upload it again.");
          // A binary file usually fails as non-UTF-8 on line 1; name the NUL byte instead when there is one.
          const nul = chunk.indexOf(0);
          if (nul >= 0) throw binary(1 + countNewlines(chunk.subarray(0, nul)));
          if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf)
            chunk = chunk.subarray(3);
        }
        let text = "";
        let start = 0;
        for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
          const piece = chunk.subarray(start, end + 1);
          if (partialBytes + piece.length - 1 > limits.maxLineBytes) throw tooLong();
          text += checkLine(partial.length > 0 ? Buffer.concat([...partial, piece]) : piece);
          partial = [];
          partialBytes = 0;
          line++;
          start = end + 1;
        }
        const rest = chunk.subarray(start);
        if (rest.length > 0) {
          partialBytes += rest.length;
          if (partialBytes > limits.maxLineBytes) throw tooLong();
          partial.push(Buffer.from(rest));
        }
        callback(null, text.length > 0 ? text : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        callback(null, partial.length > 0 ? checkLine(Buffer.concat(partial)) : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** The message for a file with more rows than allowed. */
export function tooManyRows(limits: CsvLimits = USERS_CSV_LIMITS): CsvRejected {
  return new CsvRejected(
    400,
    `The file has more than ${count(limits.maxRows)} rows: split it into several files.`,
  );
}
