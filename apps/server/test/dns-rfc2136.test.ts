import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRfc2136, DnsUpdateError, rfc2136Dns } from "../src/modules/direct-routing-setup/dns/index.js";
import type { Rfc2136Settings } from "../src/modules/direct-routing-setup/dns/port.js";
import { trunkRecordSets } from "../src/modules/direct-routing-setup/dns/records.js";
import { type Named, startNamed } from "./support/named.js";

/** The RFC 2136 adapter against a real BIND 9 started here; every result is read back with dig. */

let named: Named;
let settings: Rfc2136Settings;

beforeAll(async () => {
  named = await startNamed();
  settings = {
    server: "127.0.0.1",
    port: named.port,
    zone: named.zone,
    keyName: named.key.name,
    algorithm: "hmac-sha256",
    secret: named.key.secret,
  };
});

afterAll(async () => {
  await named?.stop();
});

async function failure(promise: Promise<unknown>): Promise<DnsUpdateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DnsUpdateError);
  return error as DnsUpdateError;
}

describe("RFC 2136 adapter against BIND", () => {
  it("publishes the derived-trunk A/AAAA records and the verification TXT record, which dig finds", async () => {
    const dns = rfc2136Dns(settings);
    const fqdn = `acme.${named.zone}`;
    const sets = trunkRecordSets(fqdn, { type: "address", addresses: ["192.0.2.10", "2001:db8::10"] });
    expect(await dns.upsert("tenant", sets)).toEqual({ applied: true });
    expect(await dns.publish("tenant", { name: fqdn, value: "MS=ms12345678", ttl: 3600 })).toBe(true);

    expect(await named.dig("A", fqdn)).toEqual(["192.0.2.10"]);
    expect(await named.dig("AAAA", fqdn)).toEqual(["2001:db8::10"]);
    expect(await named.dig("TXT", fqdn)).toEqual(['"MS=ms12345678"']);
  });

  it("upsert replaces the RRset and is idempotent", async () => {
    const dns = rfc2136Dns(settings);
    const fqdn = `globex.${named.zone}`;
    await dns.upsert(
      "tenant",
      trunkRecordSets(fqdn, { type: "address", addresses: ["192.0.2.1", "192.0.2.2"] }),
    );
    await dns.upsert("tenant", trunkRecordSets(fqdn, { type: "address", addresses: ["192.0.2.3"] }));
    await dns.upsert("tenant", trunkRecordSets(fqdn, { type: "address", addresses: ["192.0.2.3"] }));
    expect(await named.dig("A", fqdn)).toEqual(["192.0.2.3"]);
  });

  it("publishes a CNAME to the SBC's FQDN, and refuses to add other records beside a CNAME", async () => {
    const dns = rfc2136Dns(settings);
    const fqdn = `initech.${named.zone}`;
    await dns.upsert("tenant", trunkRecordSets(fqdn, { type: "CNAME", target: "sbc-ca.sbc.example.net" }));
    expect(await named.dig("CNAME", fqdn)).toEqual(["sbc-ca.sbc.example.net."]);

    const error = await failure(dns.publish("tenant", { name: fqdn, value: "MS=ms1", ttl: 60 }));
    expect(error.code).toBe("YXRRSET");
    expect(error.message).toMatch(/A CNAME record exists at this name/);
  });

  it("signs with hmac-sha512 too", async () => {
    const dns = rfc2136Dns({
      ...settings,
      keyName: named.key512.name,
      algorithm: "hmac-sha512",
      secret: named.key512.secret,
    });
    const fqdn = `umbrella.${named.zone}`;
    await dns.publish("tenant", {
      name: fqdn,
      value: "a value that is longer than a single DNS character-string ".repeat(6),
      ttl: 60,
    });
    const [txt] = await named.dig("TXT", fqdn);
    expect(txt!.replaceAll('" "', "").replaceAll('"', "")).toBe(
      "a value that is longer than a single DNS character-string ".repeat(6),
    );
  });

  it("withdraw removes the records", async () => {
    const dns = rfc2136Dns(settings);
    const fqdn = `hooli.${named.zone}`;
    const sets = trunkRecordSets(fqdn, { type: "address", addresses: ["192.0.2.20"] });
    await dns.upsert("tenant", sets);
    expect(await named.dig("A", fqdn)).toEqual(["192.0.2.20"]);
    expect(await dns.withdraw("tenant", sets)).toEqual({ applied: true });
    expect(await named.dig("A", fqdn)).toEqual([]);
    // Withdrawing again is harmless.
    expect(await dns.withdraw("tenant", sets)).toEqual({ applied: true });
  });

  it("a wrong TSIG secret is BADSIG, and nothing is written", async () => {
    const dns = rfc2136Dns({ ...settings, secret: Buffer.alloc(32, 7).toString("base64") });
    const fqdn = `badsig.${named.zone}`;
    const error = await failure(dns.publish("tenant", { name: fqdn, value: "MS=ms1", ttl: 60 }));
    expect(error.code).toBe("BADSIG");
    expect(error.message).toMatch(
      /rejected the TSIG signature \(BADSIG\): the secret of key "sip2teams-key"/,
    );
    expect(error.permanent).toBe(true);
    expect(await named.dig("TXT", fqdn)).toEqual([]);
  });

  it("an unknown key is BADKEY; a key without update rights is REFUSED", async () => {
    const fqdn = `refused.${named.zone}`;
    const unknown = await failure(
      rfc2136Dns({ ...settings, keyName: "no-such-key" }).publish("t", { name: fqdn, value: "x", ttl: 60 }),
    );
    expect(unknown.code).toBe("BADKEY");
    expect(unknown.message).toMatch(/does not know TSIG key "no-such-key"/);

    const refused = await failure(
      rfc2136Dns({ ...settings, keyName: named.readOnlyKey.name, secret: named.readOnlyKey.secret }).publish(
        "t",
        {
          name: fqdn,
          value: "x",
          ttl: 60,
        },
      ),
    );
    expect(refused.code).toBe("REFUSED");
    expect(refused.message).toMatch(/refused the update \(REFUSED\)/);
    expect(await named.dig("TXT", fqdn)).toEqual([]);
  });

  it("a zone the server does not serve is NOTAUTH; a name outside the zone is refused before sending", async () => {
    const notAuth = await failure(
      rfc2136Dns({ ...settings, zone: "other.example.test" }).publish("t", {
        name: "acme.other.example.test",
        value: "x",
        ttl: 60,
      }),
    );
    expect(notAuth.code).toBe("NOTAUTH");
    expect(notAuth.message).toMatch(/zone other\.example\.test/);

    const outside = await failure(
      rfc2136Dns(settings).publish("t", { name: "acme.elsewhere.example", value: "x", ttl: 60 }),
    );
    expect(outside.code).toBe("NOTZONE");
  });

  it("an unreachable server is a clear, retryable error", async () => {
    const error = await failure(
      rfc2136Dns({ ...settings, port: 1 }).publish("t", { name: `x.${named.zone}`, value: "x", ttl: 60 }),
    );
    expect(error.code).toBe("UNREACHABLE");
    expect(error.permanent).toBe(false);
  });

  it("the check adds and deletes a _sip2teams-check TXT record", async () => {
    expect(await checkRfc2136(settings)).toEqual({ ok: true, record: `_sip2teams-check.${named.zone}` });
    expect(await named.dig("TXT", `_sip2teams-check.${named.zone}`)).toEqual([]);
    const bad = await checkRfc2136({ ...settings, secret: Buffer.alloc(32, 1).toString("base64") });
    expect(bad).toMatchObject({ ok: false, code: "BADSIG" });
  });
});
