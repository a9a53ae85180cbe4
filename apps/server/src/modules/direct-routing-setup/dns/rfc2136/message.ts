import { isIP } from "node:net";

/** DNS wire format for UPDATE messages (RFC 1035 §4, RFC 2136 §2): encoding requests, reading answers. */

export const TYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250, ANY: 255 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_UPDATE = 5;

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export interface UpdateMessage {
  id: number;
  zone: string;
  prerequisites: ResourceRecord[];
  updates: ResourceRecord[];
}

/** A name in uncompressed wire form; names are compared case-insensitively, so they are sent lowercase. */
export function encodeName(name: string): Buffer {
  const trimmed = name.toLowerCase().replace(/\.$/, "");
  const labels = trimmed === "" ? [] : trimmed.split(".");
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, "ascii");
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`"${name}" has an empty or too long label.`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`"${name}" is longer than 255 bytes.`);
  return wire;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

export function encodeRecord(rr: ResourceRecord): Buffer {
  return Buffer.concat([
    encodeName(rr.name),
    u16(rr.type),
    u16(rr.class),
    u32(rr.ttl),
    u16(rr.rdata.length),
    rr.rdata,
  ]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = "", tail] = address.split("::") as [string, string | undefined];
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const last = right.length > 0 ? right : left;
  // An embedded IPv4 tail (::ffff:192.0.2.1) is two groups.
  if (last.length > 0 && last[last.length - 1]!.includes(".")) {
    const v4 = last.pop()!.split(".").map(Number);
    last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const zeros = tail === undefined ? [] : new Array(8 - left.length - right.length).fill("0");
  const all = [...left, ...zeros, ...right];
  const b = Buffer.alloc(16);
  for (const [i, g] of all.entries()) b.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return b;
}

/** RDATA of an A, AAAA, CNAME or TXT record from its presentation value. */
export function encodeRdata(type: "A" | "AAAA" | "CNAME" | "TXT", value: string): Buffer {
  switch (type) {
    case "A":
      if (isIP(value) !== 4) throw new Error(`"${value}" is not an IPv4 address.`);
      return Buffer.from(value.split(".").map(Number));
    case "AAAA":
      if (isIP(value) !== 6) throw new Error(`"${value}" is not an IPv6 address.`);
      return ipv6Bytes(value);
    case "CNAME":
      return encodeName(value);
    case "TXT": {
      // One or more <character-string>s of at most 255 bytes each; long values are split.
      const bytes = Buffer.from(value, "utf8");
      const chunks: Buffer[] = [];
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const chunk = bytes.subarray(i, i + 255);
        chunks.push(Buffer.from([chunk.length]), chunk);
      }
      return Buffer.concat(chunks);
    }
  }
}

/** Header (ID, opcode UPDATE, counts) + zone section + prerequisite + update sections; no additional yet. */
export function encodeUpdate(message: UpdateMessage): Buffer {
  const header = Buffer.concat([
    u16(message.id),
    u16(OPCODE_UPDATE << 11),
    u16(1),
    u16(message.prerequisites.length),
    u16(message.updates.length),
    u16(0),
  ]);
  return Buffer.concat([
    header,
    encodeName(message.zone),
    u16(TYPE.SOA),
    u16(CLASS.IN),
    ...message.prerequisites.map(encodeRecord),
    ...message.updates.map(encodeRecord),
  ]);
}

/** Reads a possibly compressed name at `offset`; returns it and the offset after it. */
export function readName(message: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let position = offset;
  let next = -1;
  for (let hops = 0; hops < 128; hops++) {
    const length = message.readUInt8(position);
    if (length === 0) {
      return { name: labels.join("."), next: next === -1 ? position + 1 : next };
    }
    if ((length & 0xc0) === 0xc0) {
      if (next === -1) next = position + 2;
      position = message.readUInt16BE(position) & 0x3fff;
      continue;
    }
    labels.push(
      message
        .subarray(position + 1, position + 1 + length)
        .toString("ascii")
        .toLowerCase(),
    );
    position += 1 + length;
  }
  throw new Error("Malformed DNS name (compression loop).");
}

export interface ParsedRecord extends ResourceRecord {
  /** Where the record starts in the message. */
  offset: number;
  /** Where its RDATA starts. */
  rdataOffset: number;
}

export interface ParsedResponse {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  arcount: number;
  additional: ParsedRecord[];
}

/** Parses an answer to an UPDATE far enough for its RCODE and its TSIG record. */
export function parseResponse(message: Buffer): ParsedResponse {
  if (message.length < 12) throw new Error("DNS answer shorter than a header.");
  const flags = message.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => message.readUInt16BE(o)) as [number, number, number, number];
  let offset = 12;
  for (let i = 0; i < counts[0]; i++) offset = readName(message, offset).next + 4;
  const additional: ParsedRecord[] = [];
  const records = counts[1] + counts[2] + counts[3];
  for (let i = 0; i < records; i++) {
    const start = offset;
    const { name, next } = readName(message, offset);
    const type = message.readUInt16BE(next);
    const klass = message.readUInt16BE(next + 2);
    const ttl = message.readUInt32BE(next + 4);
    const length = message.readUInt16BE(next + 8);
    const rdataOffset = next + 10;
    const rdata = message.subarray(rdataOffset, rdataOffset + length);
    if (rdata.length !== length) throw new Error("DNS answer truncated.");
    if (i >= counts[1] + counts[2]) {
      additional.push({ name, type, class: klass, ttl, rdata, offset: start, rdataOffset });
    }
    offset = rdataOffset + length;
  }
  return {
    id: message.readUInt16BE(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    arcount: counts[3],
    additional,
  };
}
