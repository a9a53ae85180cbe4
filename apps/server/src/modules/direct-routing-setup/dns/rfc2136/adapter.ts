import { randomInt } from "node:crypto";
import type { DnsAdapter, Rfc2136Settings } from "../port.js";
import { type DnsRecordSet, normalizeName, txtRecordSet } from "../records.js";
import { DnsUpdateError, updateError } from "./errors.js";
import { CLASS, encodeRdata, encodeUpdate, parseResponse, type ResourceRecord, TYPE } from "./message.js";
import { exchangeTcp } from "./transport.js";
import { parseTsig, signRequest, TSIG_FUDGE_SECONDS, type TsigKey, verifyResponse } from "./tsig.js";

const DEFAULT_TIMEOUT_MS = 10_000;
const NO_DATA = Buffer.alloc(0);

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

function checkZone(settings: Rfc2136Settings, sets: DnsRecordSet[]): void {
  const zone = normalizeName(settings.zone);
  for (const set of sets) {
    if (!inZone(normalizeName(set.name), zone)) {
      throw new DnsUpdateError(
        "NOTZONE",
        `${set.name} is not inside zone ${zone}; it cannot be updated there.`,
        true,
      );
    }
  }
}

/**
 * Upsert: per RRset, delete it and add the values in the same UPDATE (atomic on the server, idempotent).
 * A/AAAA/TXT carry the prerequisite "no CNAME at this name" (a server would silently ignore the add);
 * a CNAME owns its name, so its upsert deletes every RRset at the name first.
 */
export function upsertRecords(sets: DnsRecordSet[]): {
  prerequisites: ResourceRecord[];
  updates: ResourceRecord[];
} {
  const prerequisites: ResourceRecord[] = [];
  const updates: ResourceRecord[] = [];
  for (const set of sets) {
    const name = normalizeName(set.name);
    if (set.type === "CNAME") {
      updates.push({ name, type: TYPE.ANY, class: CLASS.ANY, ttl: 0, rdata: NO_DATA });
    } else {
      prerequisites.push({ name, type: TYPE.CNAME, class: CLASS.NONE, ttl: 0, rdata: NO_DATA });
      updates.push({ name, type: TYPE[set.type], class: CLASS.ANY, ttl: 0, rdata: NO_DATA });
    }
    for (const value of set.values) {
      updates.push({
        name,
        type: TYPE[set.type],
        class: CLASS.IN,
        ttl: set.ttl,
        rdata: encodeRdata(set.type, value),
      });
    }
  }
  return { prerequisites, updates };
}

export function withdrawRecords(sets: DnsRecordSet[]): ResourceRecord[] {
  return sets.map((set) => ({
    name: normalizeName(set.name),
    type: TYPE[set.type],
    class: CLASS.ANY,
    ttl: 0,
    rdata: NO_DATA,
  }));
}

export function tsigKey(settings: Rfc2136Settings): TsigKey {
  return {
    name: normalizeName(settings.keyName),
    algorithm: settings.algorithm,
    secret: Buffer.from(settings.secret, "base64"),
  };
}

/** Sends one signed UPDATE to the primary and returns when the server applied it (signed NOERROR). */
export async function sendUpdate(
  settings: Rfc2136Settings,
  sections: { prerequisites: ResourceRecord[]; updates: ResourceRecord[] },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const key = tsigKey(settings);
  const id = randomInt(0, 0x10000);
  const request = encodeUpdate({ id, zone: normalizeName(settings.zone), ...sections });
  const { signed, mac } = signRequest(request, key);
  const answer = await exchangeTcp(settings.server, settings.port, signed, timeoutMs);
  const response = parseResponse(answer);
  const where = `${settings.server}:${settings.port}`;
  if (response.id !== id || !response.isResponse) {
    throw new DnsUpdateError("FORMERR", `The DNS server ${where} sent an answer to another request.`, false);
  }
  const last = response.additional[response.additional.length - 1];
  const tsigRecord = last?.type === TYPE.TSIG ? last : undefined;
  const tsig = tsigRecord && parseTsig(tsigRecord, answer);
  const ctx = { ...settings, zone: normalizeName(settings.zone), keyName: key.name };
  if (response.rcode !== 0 || (tsig && tsig.error !== 0))
    throw updateError(ctx, response.rcode, tsig?.error ?? 0);
  // Success is believed only when the server proves it holds the key.
  if (!tsigRecord || !tsig) {
    throw new DnsUpdateError(
      "UNSIGNED",
      `The DNS server ${where} answered without a TSIG signature; the update cannot be trusted.`,
      true,
    );
  }
  if (!verifyResponse(answer, { record: tsigRecord, fields: tsig, arcount: response.arcount }, mac, key)) {
    throw new DnsUpdateError(
      "BADSIG",
      `The DNS server ${where} signed its answer with a different key or secret.`,
      true,
    );
  }
  if (Math.abs(Date.now() / 1000 - tsig.timeSigned) > Math.max(tsig.fudge, TSIG_FUDGE_SECONDS)) {
    throw updateError(ctx, 0, 18);
  }
}

/** RFC 2136 dynamic updates with TSIG to the zone's primary (BIND, Knot, PowerDNS, …), over TCP. */
export function rfc2136Dns(settings: Rfc2136Settings, options: { timeoutMs?: number } = {}): DnsAdapter {
  const upsert = async (sets: DnsRecordSet[]) => {
    if (sets.length === 0) return;
    checkZone(settings, sets);
    await sendUpdate(settings, upsertRecords(sets), options.timeoutMs);
  };
  return {
    kind: "rfc2136",
    async upsert(_tenantId, sets) {
      await upsert(sets);
      return { applied: true };
    },
    async withdraw(_tenantId, sets) {
      if (sets.length > 0) {
        checkZone(settings, sets);
        await sendUpdate(settings, { prerequisites: [], updates: withdrawRecords(sets) }, options.timeoutMs);
      }
      return { applied: true };
    },
    async publish(_tenantId, record) {
      await upsert([txtRecordSet(record)]);
      return true;
    },
  };
}

export const CHECK_LABEL = "_sip2teams-check";

/** A harmless round trip: upsert a `_sip2teams-check` TXT record in the zone, then delete it. */
export async function checkRfc2136(
  settings: Rfc2136Settings,
  options: { timeoutMs?: number } = {},
): Promise<{ ok: true; record: string } | { ok: false; code: string; message: string }> {
  const adapter = rfc2136Dns(settings, options);
  const set: DnsRecordSet = {
    name: `${CHECK_LABEL}.${normalizeName(settings.zone)}`,
    type: "TXT",
    ttl: 60,
    values: [`sip2teams check ${new Date().toISOString()}`],
  };
  try {
    await adapter.upsert("", [set]);
    await adapter.withdraw("", [set]);
    return { ok: true, record: set.name };
  } catch (error) {
    if (error instanceof DnsUpdateError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
