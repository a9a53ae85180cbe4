import { createHmac, timingSafeEqual } from "node:crypto";
import type { TsigAlgorithm } from "../port.js";
import { CLASS, encodeName, type ParsedRecord, TYPE } from "./message.js";

/** TSIG (RFC 8945): signing a request and checking the server's signed answer. */

export const TSIG_FUDGE_SECONDS = 300;

/** TSIG error codes (RFC 8945 §5.3). */
export const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, decoded. */
  secret: Buffer;
}

export interface TsigRecord {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  otherData: Buffer;
}

const HASH: Record<TsigAlgorithm, string> = { "hmac-sha256": "sha256", "hmac-sha512": "sha512" };

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u48(value: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(value, 0, 6);
  return b;
}

/** The TSIG variables (§4.3.3) that follow the message in the MAC input. */
function variables(key: TsigKey, record: Omit<TsigRecord, "mac" | "originalId">): Buffer {
  return Buffer.concat([
    encodeName(key.name),
    u16(CLASS.ANY),
    Buffer.alloc(4), // TTL 0
    encodeName(record.algorithm),
    u48(record.timeSigned),
    u16(record.fudge),
    u16(record.error),
    u16(record.otherData.length),
    record.otherData,
  ]);
}

function hmac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const h = createHmac(HASH[key.algorithm], key.secret);
  for (const part of parts) h.update(part);
  return h.digest();
}

function tsigRdata(record: TsigRecord): Buffer {
  return Buffer.concat([
    encodeName(record.algorithm),
    u48(record.timeSigned),
    u16(record.fudge),
    u16(record.mac.length),
    record.mac,
    u16(record.originalId),
    u16(record.error),
    u16(record.otherData.length),
    record.otherData,
  ]);
}

/** Appends a TSIG record to `message` (which has no additional records yet); returns it and the MAC. */
export function signRequest(
  message: Buffer,
  key: TsigKey,
  timeSigned = Math.floor(Date.now() / 1000),
): { signed: Buffer; mac: Buffer } {
  const fields = {
    algorithm: key.algorithm,
    timeSigned,
    fudge: TSIG_FUDGE_SECONDS,
    error: 0,
    otherData: Buffer.alloc(0),
  };
  const mac = hmac(key, message, variables(key, fields));
  const rdata = tsigRdata({ ...fields, mac, originalId: message.readUInt16BE(0) });
  const record = Buffer.concat([
    encodeName(key.name),
    u16(TYPE.TSIG),
    u16(CLASS.ANY),
    Buffer.alloc(4),
    u16(rdata.length),
    rdata,
  ]);
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

export function parseTsig(record: ParsedRecord, message: Buffer): TsigRecord {
  // The algorithm name is never compressed (§4.2), but reading it as a name is harmless either way.
  let offset = record.rdataOffset;
  let algorithm = "";
  for (let length = message.readUInt8(offset); length !== 0; length = message.readUInt8(offset)) {
    algorithm += `${algorithm ? "." : ""}${message.subarray(offset + 1, offset + 1 + length).toString("ascii")}`;
    offset += 1 + length;
  }
  offset += 1;
  const timeSigned = message.readUIntBE(offset, 6);
  const fudge = message.readUInt16BE(offset + 6);
  const macSize = message.readUInt16BE(offset + 8);
  const mac = message.subarray(offset + 10, offset + 10 + macSize);
  offset += 10 + macSize;
  const originalId = message.readUInt16BE(offset);
  const error = message.readUInt16BE(offset + 2);
  const otherLength = message.readUInt16BE(offset + 4);
  const otherData = message.subarray(offset + 6, offset + 6 + otherLength);
  return { algorithm: algorithm.toLowerCase(), timeSigned, fudge, mac, originalId, error, otherData };
}

/**
 * Checks the MAC of a signed answer (§4.3.1, §5.3): HMAC over the request's MAC, the answer without its
 * TSIG record (ARCOUNT one less, the original ID) and the answer's TSIG variables. True when it matches.
 */
export function verifyResponse(
  response: Buffer,
  tsig: { record: ParsedRecord; fields: TsigRecord; arcount: number },
  requestMac: Buffer,
  key: TsigKey,
): boolean {
  if (
    tsig.fields.algorithm !== key.algorithm ||
    tsig.record.name !== key.name.toLowerCase().replace(/\.$/, "")
  ) {
    return false;
  }
  const unsigned = Buffer.from(response.subarray(0, tsig.record.offset));
  unsigned.writeUInt16BE(tsig.fields.originalId, 0);
  unsigned.writeUInt16BE(tsig.arcount - 1, 10);
  const expected = hmac(key, u16(requestMac.length), requestMac, unsigned, variables(key, tsig.fields));
  return expected.length === tsig.fields.mac.length && timingSafeEqual(expected, tsig.fields.mac);
}
