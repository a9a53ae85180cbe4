/** Parses one line of PowerShell as the stand-in supports it: `Verb-Noun -Param value ... [| ConvertTo-Json ...]`. */

export type PsValue = string | number | boolean | null | PsValue[] | { [k: string]: PsValue };

export interface PsArgument {
  /** Parameter name as typed (without the dash), or null for a positional value. */
  name: string | null;
  value: PsValue | undefined;
  /** True when the value came from `-Name:value` syntax. */
  colon: boolean;
}

export interface PsCommand {
  name: string;
  args: PsArgument[];
}

export class PsParseError extends Error {}

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ch(): string {
    return this.s[this.i] ?? "";
  }
  eof(): boolean {
    return this.i >= this.s.length;
  }
  ws(): void {
    while (!this.eof() && /\s/.test(this.ch())) this.i++;
  }
}

function readQuoted(r: Reader): string {
  const q = r.ch();
  r.i++;
  let out = "";
  while (!r.eof()) {
    const ch = r.ch();
    if (ch === q) {
      if (r.s[r.i + 1] === q) {
        out += q;
        r.i += 2;
        continue;
      }
      r.i++;
      return out;
    }
    if (q === '"' && ch === "`" && r.i + 1 < r.s.length) {
      const nx = r.s[r.i + 1] ?? "";
      out += nx === "n" ? "\n" : nx === "t" ? "\t" : nx;
      r.i += 2;
      continue;
    }
    out += ch;
    r.i++;
  }
  throw new PsParseError("The string is missing the terminator.");
}

function readBare(r: Reader): string {
  let out = "";
  while (!r.eof() && !/[\s,;|)}=]/.test(r.ch())) {
    out += r.ch();
    r.i++;
  }
  return out;
}

function readAtom(r: Reader): PsValue {
  r.ws();
  const ch = r.ch();
  if (ch === "'" || ch === '"') return readQuoted(r);
  if (ch === "@" && r.s[r.i + 1] === "(") {
    r.i += 2;
    const items: PsValue[] = [];
    for (;;) {
      r.ws();
      if (r.ch() === ")") {
        r.i++;
        return items;
      }
      if (r.eof()) throw new PsParseError("Missing closing ')' in expression.");
      const v = readAtom(r);
      if (Array.isArray(v)) items.push(...v);
      else items.push(v);
      r.ws();
      if (r.ch() === "," || r.ch() === ";") r.i++;
    }
  }
  if (ch === "@" && r.s[r.i + 1] === "{") {
    r.i += 2;
    const table: Record<string, PsValue> = {};
    for (;;) {
      r.ws();
      if (r.ch() === "}") {
        r.i++;
        return table;
      }
      if (r.eof()) throw new PsParseError("Missing closing '}' in statement block or type definition.");
      const key = r.ch() === "'" || r.ch() === '"' ? readQuoted(r) : readBare(r);
      r.ws();
      if (r.ch() !== "=") throw new PsParseError("Missing '=' operator after key in hash literal.");
      r.i++;
      table[key] = readValue(r);
      r.ws();
      if (r.ch() === ";") r.i++;
    }
  }
  if (ch === "$") {
    r.i++;
    const word = readBare(r).toLowerCase();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    throw new PsParseError(`Variables are not supported by the stand-in: $${word}`);
  }
  const bare = readBare(r);
  if (/^-?\d+$/.test(bare)) return Number(bare);
  return bare;
}

/** A value, including bare comma lists (`a,b,c`). */
function readValue(r: Reader): PsValue {
  const first = readAtom(r);
  r.ws();
  if (r.ch() !== ",") return first;
  const items: PsValue[] = [first];
  while (r.ch() === ",") {
    r.i++;
    items.push(readAtom(r));
    r.ws();
  }
  return items;
}

export function parseCommandLine(line: string): PsCommand {
  const r = new Reader(line.trim());
  const name = readBare(r);
  if (!name) throw new PsParseError("Empty command.");
  const args: PsArgument[] = [];
  for (;;) {
    r.ws();
    if (r.eof()) break;
    if (r.ch() === "|") {
      const rest = r.s.slice(r.i + 1).trim();
      if (/^(ConvertTo-Json|Out-Null|Out-String|Format-List)\b/i.test(rest)) break;
      throw new PsParseError(
        `Pipelines into '${rest.split(/\s/)[0] ?? ""}' are not supported by the stand-in.`,
      );
    }
    if (r.ch() === ";") throw new PsParseError("Only one statement per line is supported by the stand-in.");
    if (r.ch() === "-" && /[A-Za-z]/.test(r.s[r.i + 1] ?? "")) {
      r.i++;
      let pname = "";
      while (!r.eof() && /[A-Za-z0-9_]/.test(r.ch())) {
        pname += r.ch();
        r.i++;
      }
      if (r.ch() === ":") {
        r.i++;
        args.push({ name: pname, value: readValue(r), colon: true });
      } else args.push({ name: pname, value: undefined, colon: false });
      continue;
    }
    args.push({ name: null, value: readValue(r), colon: false });
  }
  return { name, args };
}
