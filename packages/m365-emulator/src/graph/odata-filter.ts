import { badRequest } from "./errors.js";

/** A small OData $filter parser/evaluator: comparisons, and/or/not, in, startswith/endswith/contains, any/all. */

type Node =
  | { t: "bin"; op: "and" | "or"; l: Node; r: Node }
  | { t: "not"; e: Node }
  | { t: "cmp"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; l: Node; r: Node }
  | { t: "in"; l: Node; list: Node[] }
  | { t: "fn"; name: string; args: Node[] }
  | { t: "path"; segs: string[] }
  | { t: "lambda"; segs: string[]; kind: "any" | "all"; v: string | null; body: Node | null }
  | { t: "lit"; v: unknown };

type Tok = { k: "str" | "num" | "id" | "guid" | "p"; v: string };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw badRequest("Invalid filter clause: unterminated string literal.");
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ k: "str", v: s });
      continue;
    }
    const guid = GUID.exec(src.slice(i));
    if (guid) {
      out.push({ k: "guid", v: guid[0].toLowerCase() });
      i += guid[0].length;
      continue;
    }
    if (/[()/,:]/.test(c)) {
      out.push({ k: "p", v: c });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num && !/[A-Za-z_]/.test(src[i + num[0].length] ?? "")) {
      out.push({ k: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$@][\w.$@-]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    throw badRequest(`Invalid filter clause: syntax error at position ${i} in '${src}'.`);
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw badRequest("Invalid filter clause: unexpected end of expression.");
    return t;
  }
  expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw badRequest(`Invalid filter clause: expected '${v}' but found '${t.v}'.`);
  }
  isWord(v: string): boolean {
    const t = this.peek();
    return t?.k === "id" && t.v.toLowerCase() === v;
  }
  parse(): Node {
    const n = this.or();
    if (this.peek()) throw badRequest(`Invalid filter clause: unexpected '${this.peek()?.v}'.`);
    return n;
  }
  or(): Node {
    let l = this.and();
    while (this.isWord("or")) {
      this.next();
      l = { t: "bin", op: "or", l, r: this.and() };
    }
    return l;
  }
  and(): Node {
    let l = this.unary();
    while (this.isWord("and")) {
      this.next();
      l = { t: "bin", op: "and", l, r: this.unary() };
    }
    return l;
  }
  unary(): Node {
    if (this.isWord("not")) {
      this.next();
      return { t: "not", e: this.unary() };
    }
    return this.comparison();
  }
  comparison(): Node {
    const l = this.operand();
    const t = this.peek();
    if (t?.k === "id") {
      const op = t.v.toLowerCase();
      if (["eq", "ne", "gt", "ge", "lt", "le"].includes(op)) {
        this.next();
        return { t: "cmp", op: op as "eq", l, r: this.operand() };
      }
      if (op === "in") {
        this.next();
        this.expect("(");
        const list: Node[] = [];
        while (this.peek()?.v !== ")") {
          list.push(this.operand());
          if (this.peek()?.v === ",") this.next();
        }
        this.expect(")");
        return { t: "in", l, list };
      }
    }
    return l;
  }
  operand(): Node {
    const t = this.next();
    if (t.k === "p" && t.v === "(") {
      const e = this.or();
      this.expect(")");
      return e;
    }
    if (t.k === "str") return { t: "lit", v: t.v };
    if (t.k === "num") return { t: "lit", v: Number(t.v) };
    if (t.k === "guid") return { t: "lit", v: t.v };
    if (t.k !== "id") throw badRequest(`Invalid filter clause: unexpected '${t.v}'.`);
    const word = t.v;
    const lower = word.toLowerCase();
    if (lower === "true" || lower === "false") return { t: "lit", v: lower === "true" };
    if (lower === "null") return { t: "lit", v: null };
    if (
      this.peek()?.v === "(" &&
      ["startswith", "endswith", "contains", "tolower", "toupper"].includes(lower)
    ) {
      this.next();
      const args: Node[] = [];
      while (this.peek()?.v !== ")") {
        args.push(this.or());
        if (this.peek()?.v === ",") this.next();
      }
      this.expect(")");
      return { t: "fn", name: lower, args };
    }
    const segs = [word];
    while (this.peek()?.v === "/") {
      this.next();
      const seg = this.next();
      if (seg.k !== "id") throw badRequest("Invalid filter clause: bad property path.");
      const sl = seg.v.toLowerCase();
      if ((sl === "any" || sl === "all") && this.peek()?.v === "(") {
        this.next();
        if (this.peek()?.v === ")") {
          this.next();
          return { t: "lambda", segs, kind: sl, v: null, body: null };
        }
        const v = this.next();
        this.expect(":");
        const body = this.or();
        this.expect(")");
        return { t: "lambda", segs, kind: sl, v: v.v, body };
      }
      segs.push(seg.v);
    }
    return { t: "path", segs };
  }
}

export interface CompiledFilter {
  test(obj: Record<string, unknown>): boolean;
  /** Features used, for the advanced-query rules. */
  features: Set<string>;
}

function prop(obj: unknown, name: string, typeName: string): unknown {
  if (obj === null || obj === undefined || typeof obj !== "object") return undefined;
  const rec = obj as Record<string, unknown>;
  if (name in rec) return rec[name];
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key) return rec[key];
  throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
}

function cmp(op: string, a: unknown, b: unknown): boolean {
  const norm = (x: unknown) => (typeof x === "string" ? x.toLowerCase() : x);
  const x = norm(a);
  const y = norm(b);
  switch (op) {
    case "eq":
      return x === y || (x == null && y == null);
    case "ne":
      return !(x === y || (x == null && y == null));
    default: {
      if (x == null || y == null) return false;
      if (op === "gt") return (x as number) > (y as number);
      if (op === "ge") return (x as number) >= (y as number);
      if (op === "lt") return (x as number) < (y as number);
      return (x as number) <= (y as number);
    }
  }
}

export function compileFilter(src: string, typeName: string): CompiledFilter {
  const features = new Set<string>();
  const ast = new Parser(tokenize(src)).parse();
  const walk = (n: Node): void => {
    if (n.t === "bin") {
      walk(n.l);
      walk(n.r);
    } else if (n.t === "not") {
      features.add("not");
      walk(n.e);
    } else if (n.t === "cmp") {
      features.add(n.op);
      walk(n.l);
      walk(n.r);
    } else if (n.t === "fn") {
      features.add(n.name);
      n.args.forEach(walk);
    } else if (n.t === "lambda") {
      features.add(`lambda:${n.segs.join("/")}`);
      if (n.body) walk(n.body);
    } else if (n.t === "path") {
      features.add(`path:${n.segs[0]}`);
      if (n.segs.includes("$count")) features.add("$count");
    } else if (n.t === "in") {
      features.add("in");
      walk(n.l);
    }
  };
  walk(ast);
  const evaluate = (n: Node, root: unknown, scope: Record<string, unknown>): unknown => {
    switch (n.t) {
      case "lit":
        return n.v;
      case "bin":
        return n.op === "and"
          ? evaluate(n.l, root, scope) === true && evaluate(n.r, root, scope) === true
          : evaluate(n.l, root, scope) === true || evaluate(n.r, root, scope) === true;
      case "not":
        return evaluate(n.e, root, scope) !== true;
      case "cmp":
        return cmp(n.op, evaluate(n.l, root, scope), evaluate(n.r, root, scope));
      case "in": {
        const v = evaluate(n.l, root, scope);
        return n.list.some((x) => cmp("eq", v, evaluate(x, root, scope)));
      }
      case "fn": {
        const args = n.args.map((a) => evaluate(a, root, scope));
        const s = typeof args[0] === "string" ? args[0].toLowerCase() : null;
        const t = typeof args[1] === "string" ? args[1].toLowerCase() : null;
        if (n.name === "tolower") return s;
        if (n.name === "toupper") return typeof args[0] === "string" ? args[0].toUpperCase() : null;
        if (s === null || t === null) return false;
        if (n.name === "startswith") return s.startsWith(t);
        if (n.name === "endswith") return s.endsWith(t);
        return s.includes(t);
      }
      case "path":
        return resolvePath(n.segs, root, scope);
      case "lambda": {
        const coll = resolvePath(n.segs, root, scope);
        if (!Array.isArray(coll)) return false;
        if (!n.body) return coll.length > 0;
        const body = n.body;
        const test = (item: unknown) => evaluate(body, root, { ...scope, [n.v ?? ""]: item }) === true;
        return n.kind === "any" ? coll.some(test) : coll.every(test);
      }
    }
  };
  const resolvePath = (segs: string[], root: unknown, scope: Record<string, unknown>): unknown => {
    const [first, ...rest] = segs;
    let cur: unknown =
      first !== undefined && first in scope ? scope[first] : prop(root, first ?? "", typeName);
    for (const s of rest) {
      if (s === "$count" && Array.isArray(cur)) cur = cur.length;
      else cur = prop(cur, s, typeName);
    }
    return cur;
  };
  return { test: (obj) => evaluate(ast, obj, {}) === true, features };
}
