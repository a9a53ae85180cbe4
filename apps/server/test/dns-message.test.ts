import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { upsertRecords, withdrawRecords } from "../src/modules/direct-routing-setup/dns/rfc2136/adapter.js";
import {
  encodeRdata,
  encodeUpdate,
  parseResponse,
} from "../src/modules/direct-routing-setup/dns/rfc2136/message.js";
import {
  parseTsig,
  signRequest,
  verifyResponse,
} from "../src/modules/direct-routing-setup/dns/rfc2136/tsig.js";

/** DNS UPDATE wire format (RFC 2136) and TSIG (RFC 8945), byte for byte. */

const hex = (...parts: string[]) => Buffer.from(parts.join("").replaceAll(" ", ""), "hex");
const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex");
const name = (n: string) =>
  `${n
    .split(".")
    .map((l) => l.length.toString(16).padStart(2, "0") + ascii(l))
    .join("")}00`;

describe("UPDATE encoder", () => {
  it("encodes an A upsert: zone SOA/IN, prerequisite 'no CNAME', delete RRset, add", () => {
    const wire = encodeUpdate({
      id: 0x1234,
      zone: "example.com",
      ...upsertRecords([{ name: "WWW.example.com.", type: "A", ttl: 300, values: ["192.0.2.1"] }]),
    });
    const www = name("www.example.com");
    expect(wire.toString("hex")).toBe(
      hex(
        "1234 2800 0001 0001 0002 0000", // id, opcode UPDATE, ZO=1 PR=1 UP=2 AD=0
        name("example.com"),
        "0006 0001", // zone: SOA, IN
        www,
        "0005 00fe 00000000 0000", // prerequisite: CNAME RRset does not exist (class NONE)
        www,
        "0001 00ff 00000000 0000", // delete the A RRset (class ANY)
        www,
        "0001 0001 0000012c 0004 c0000201", // add A 192.0.2.1, TTL 300
      ).toString("hex"),
    );
  });

  it("encodes a CNAME upsert as 'delete all RRsets at the name' + add", () => {
    const { prerequisites, updates } = upsertRecords([
      { name: "acme.example.com", type: "CNAME", ttl: 60, values: ["sbc.example.net"] },
    ]);
    expect(prerequisites).toEqual([]);
    const acme = name("acme.example.com");
    expect(
      encodeUpdate({ id: 1, zone: "example.com", prerequisites, updates })
        .subarray(29) // after the header (12) and the zone section (13 + 4)
        .toString("hex"),
    ).toBe(
      hex(
        acme,
        "00ff 00ff 00000000 0000",
        acme,
        "0005 0001 0000003c",
        "0011",
        name("sbc.example.net"),
      ).toString("hex"),
    );
  });

  it("encodes a withdrawal as delete RRset", () => {
    const [rr] = withdrawRecords([{ name: "acme.example.com", type: "TXT", ttl: 60, values: ["x"] }]);
    expect(rr).toMatchObject({ name: "acme.example.com", type: 16, class: 255, ttl: 0 });
    expect(rr!.rdata.length).toBe(0);
  });

  it("encodes AAAA, TXT (split in 255-byte strings) and CNAME rdata", () => {
    expect(encodeRdata("AAAA", "2001:db8::10").toString("hex")).toBe("20010db8000000000000000000000010");
    expect(encodeRdata("AAAA", "::ffff:192.0.2.1").toString("hex")).toBe("00000000000000000000ffffc0000201");
    expect(encodeRdata("AAAA", "fe80:1:2:3:4:5:6:7").toString("hex")).toBe(
      "fe800001000200030004000500060007",
    );
    expect(encodeRdata("TXT", "MS=ms1").toString("hex")).toBe(`06${ascii("MS=ms1")}`);
    const long = encodeRdata("TXT", "x".repeat(300));
    expect(long.length).toBe(302);
    expect(long[0]).toBe(255);
    expect(long[256]).toBe(45);
    expect(encodeRdata("CNAME", "SBC.example.net.").toString("hex")).toBe(name("sbc.example.net"));
    expect(() => encodeRdata("A", "300.1.1.1")).toThrow(/not an IPv4 address/);
  });
});

describe("TSIG", () => {
  const key = { name: "sip2teams-key", algorithm: "hmac-sha256" as const, secret: Buffer.alloc(32, 0x2a) };
  const time = 0x65000000;
  const request = encodeUpdate({
    id: 0xbeef,
    zone: "example.com",
    ...upsertRecords([{ name: "www.example.com", type: "A", ttl: 300, values: ["192.0.2.1"] }]),
  });

  // The TSIG variables (RFC 8945 §4.3.3) laid out by hand.
  const variables = hex(
    name("sip2teams-key"),
    "00ff 00000000",
    name("hmac-sha256"),
    "000065000000 012c 0000 0000",
  );

  it("signs a request: MAC over the message and the TSIG variables; TSIG RR appended, ARCOUNT 1", () => {
    const { signed, mac } = signRequest(request, key, time);
    const expectedMac = createHmac("sha256", key.secret).update(request).update(variables).digest();
    expect(mac.toString("hex")).toBe(expectedMac.toString("hex"));
    expect(signed.readUInt16BE(10)).toBe(1);
    expect(signed.subarray(0, 10).equals(request.subarray(0, 10))).toBe(true);
    expect(signed.subarray(12, request.length).equals(request.subarray(12))).toBe(true);
    const rdata = hex(
      name("hmac-sha256"),
      "000065000000 012c 0020",
      expectedMac.toString("hex"),
      "beef 0000 0000",
    );
    expect(signed.subarray(request.length).toString("hex")).toBe(
      hex(
        name("sip2teams-key"),
        "00fa 00ff 00000000",
        rdata.length.toString(16).padStart(4, "0"),
        rdata.toString("hex"),
      ).toString("hex"),
    );
  });

  it("signs with hmac-sha512", () => {
    const key512 = { ...key, algorithm: "hmac-sha512" as const };
    const { mac } = signRequest(request, key512, time);
    const vars = hex(
      name("sip2teams-key"),
      "00ff 00000000",
      name("hmac-sha512"),
      "000065000000 012c 0000 0000",
    );
    expect(mac.toString("hex")).toBe(
      createHmac("sha512", key.secret).update(request).update(vars).digest("hex"),
    );
  });

  it("verifies a signed answer (request MAC prefixed, compressed key name) and rejects a tampered one", () => {
    const { mac: requestMac } = signRequest(request, key, time);
    // The server's answer: header (QR, opcode 5, NOERROR, ZO=1, AR=0 before signing) + zone section.
    const answer = hex("beef a800 0001 0000 0000 0000", name("example.com"), "0006 0001");
    const responseMac = createHmac("sha256", key.secret)
      .update(hex("0020"))
      .update(requestMac)
      .update(answer)
      .update(variables)
      .digest();
    const rdata = hex(
      name("hmac-sha256"),
      "000065000000 012c 0020",
      responseMac.toString("hex"),
      "beef 0000 0000",
    );
    const tsigRr = hex(
      name("sip2teams-key"),
      "00fa 00ff 00000000",
      rdata.length.toString(16).padStart(4, "0"),
      rdata.toString("hex"),
    );
    const signed = Buffer.concat([answer, tsigRr]);
    signed.writeUInt16BE(1, 10);

    const parsed = parseResponse(signed);
    expect(parsed).toMatchObject({ id: 0xbeef, isResponse: true, opcode: 5, rcode: 0, arcount: 1 });
    const record = parsed.additional[0]!;
    const fields = parseTsig(record, signed);
    expect(fields).toMatchObject({
      algorithm: "hmac-sha256",
      timeSigned: time,
      fudge: 300,
      error: 0,
      originalId: 0xbeef,
    });
    expect(verifyResponse(signed, { record, fields, arcount: 1 }, requestMac, key)).toBe(true);

    const tampered = Buffer.from(signed);
    tampered[3] = 0x05; // REFUSED
    expect(verifyResponse(tampered, { record, fields, arcount: 1 }, requestMac, key)).toBe(false);
    expect(verifyResponse(signed, { record, fields, arcount: 1 }, Buffer.alloc(32), key)).toBe(false);
  });

  it("reads compressed names in answers", () => {
    // Zone section "example.com", then one additional record whose owner is a pointer to offset 12.
    const answer = hex(
      "0001 a800 0001 0000 0000 0001",
      name("example.com"),
      "0006 0001",
      "c00c 0010 0001 0000003c 0002 0178",
    );
    const parsed = parseResponse(answer);
    expect(parsed.additional[0]).toMatchObject({ name: "example.com", type: 16, ttl: 60 });
  });
});
