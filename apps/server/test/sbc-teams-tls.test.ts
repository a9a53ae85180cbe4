import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandaloneSbc, sbcCfgDir, startStandaloneSbc, TEAMS_BASE_DOMAIN } from "./support/sbc.js";
import { createTestCa, issueCertificate } from "./support/test-ca.js";
import { buildTlsPurposeShim } from "./support/tls-purpose-shim.js";

/**
 * Inbound mutual TLS (issue 11, item 1): Microsoft's proxies connect to the SBC as TLS clients and, from
 * 2026, present certificates whose extended key usage is serverAuth only. A certificate from a CA the
 * SBC trusts is not enough: its subject or SAN must be a Microsoft SIP proxy name. "Microsoft" here is a
 * Node TLS client; the test CA stands in for the public roots.
 * Kamailio runs as a site runs it (sbc/README.md, "Inbound TLS"): the shipped tls.cfg, with the purpose
 * shim (sbc/tls-purpose) preloaded. The last block runs it without the shim, as Debian packages it, which
 * refuses Microsoft's certificates: it shows why the shim is there, and an upgrade that lifts it shows.
 */

const MICROSOFT_SERVER_AUTH_ONLY = {
  cn: "sip.pstnhub.microsoft.com",
  san: "DNS:sip.pstnhub.microsoft.com",
  eku: "serverAuth",
};

interface TlsSbc {
  sbc: StandaloneSbc;
  certWork: string;
  /** Opens a TLS connection with this client certificate and sends an OPTIONS; the reply's status line, or the error. */
  optionsWith(client: { key: Buffer; cert: Buffer }): Promise<string>;
}

/** The SBC in production transport (TLS toward Microsoft) with the shipped tls.cfg pointed at a test CA. */
async function startTlsSbc(options: { purposeShim: boolean }): Promise<TlsSbc> {
  let certWork = "";
  let ca = Buffer.alloc(0);
  const sbc = await startStandaloneSbc({
    seed: async () => {},
    prepareTls: async (work) => {
      certWork = work;
      createTestCa(work);
      await issueCertificate(work, "sbc", {
        cn: `*.${TEAMS_BASE_DOMAIN}`,
        san: `DNS:*.${TEAMS_BASE_DOMAIN},DNS:${TEAMS_BASE_DOMAIN}`,
        eku: "serverAuth,clientAuth",
      });
      ca = await readFile(path.join(work, "ca.pem"));
      const shipped = await readFile(path.join(sbcCfgDir, "tls.cfg"), "utf8");
      const tlsCfg = path.join(work, "tls.cfg");
      await writeFile(
        tlsCfg,
        shipped
          .replaceAll("/etc/kamailio/tls/sbc.key", path.join(work, "sbc.key"))
          .replaceAll("/etc/kamailio/tls/sbc-wildcard.pem", path.join(work, "sbc.pem"))
          .replaceAll("/etc/ssl/certs/ca-certificates.crt", path.join(work, "ca.pem")),
      );
      return tlsCfg;
    },
    kamailioEnv: async (work) => (options.purposeShim ? { LD_PRELOAD: await buildTlsPurposeShim(work) } : {}),
  });

  async function optionsWith(client: { key: Buffer; cert: Buffer }): Promise<string> {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: sbc.ports.ms,
      servername: `acme.${TEAMS_BASE_DOMAIN}`,
      ca,
      key: client.key,
      cert: client.cert,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(`acme.${TEAMS_BASE_DOMAIN}`, cert),
    });
    try {
      return await new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk.toString();
          if (text.includes("\r\n\r\n")) resolve(text.split("\r\n")[0]!);
        });
        socket.on("error", (error) => resolve(`error: ${error.message}`));
        socket.on("close", () => resolve(text ? text.split("\r\n")[0]! : "closed"));
        socket.once("secureConnect", () => {
          const local = `${socket.localAddress}:${socket.localPort}`;
          socket.write(
            [
              `OPTIONS sip:acme.${TEAMS_BASE_DOMAIN}:${sbc.ports.ms};transport=tls SIP/2.0`,
              `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
              "Max-Forwards: 70",
              `From: <sip:sip.pstnhub.microsoft.com>;tag=${randomUUID().slice(0, 8)}`,
              `To: <sip:acme.${TEAMS_BASE_DOMAIN}>`,
              `Call-ID: ${randomUUID()}`,
              "CSeq: 1 OPTIONS",
              "Contact: <sip:sip.pstnhub.microsoft.com:5061;transport=tls>",
              "Content-Length: 0",
              "",
              "",
            ].join("\r\n"),
          );
        });
      });
    } finally {
      socket.destroy();
    }
  }

  return { sbc, certWork, optionsWith };
}

describe("SBC inbound mutual TLS from Microsoft (shipped tls.cfg, purpose shim preloaded)", () => {
  let site: TlsSbc;

  beforeAll(async () => {
    site = await startTlsSbc({ purposeShim: true });
  }, 60_000);

  afterAll(async () => {
    await site?.sbc.stop();
  });

  it("accepts Microsoft's serverAuth-only certificate (sip.pstnhub.microsoft.com)", async () => {
    const microsoft = await issueCertificate(
      site.certWork,
      "ms-server-auth-only",
      MICROSOFT_SERVER_AUTH_ONLY,
    );
    expect(await site.optionsWith(microsoft)).toBe("SIP/2.0 200 OK");
  });

  it("accepts a Microsoft SIP proxy whose certificate also carries clientAuth (sip2.pstnhub.microsoft.com)", async () => {
    const microsoft = await issueCertificate(site.certWork, "ms", {
      cn: "sip2.pstnhub.microsoft.com",
      san: "DNS:sip2.pstnhub.microsoft.com",
      eku: "serverAuth,clientAuth",
    });
    expect(await site.optionsWith(microsoft)).toBe("SIP/2.0 200 OK");
  });

  it("refuses a serverAuth-only certificate from the trusted CA whose name is not Microsoft's", async () => {
    const other = await issueCertificate(site.certWork, "other", {
      cn: "sbc.example.org",
      san: "DNS:sbc.example.org",
      eku: "serverAuth",
    });
    expect(await site.optionsWith(other)).toBe("SIP/2.0 403 Forbidden");
  });

  it("refuses a name that only looks like Microsoft's (sip.pstnhub.microsoft.com.example.org)", async () => {
    const lookalike = await issueCertificate(site.certWork, "lookalike", {
      cn: "sip.pstnhub.microsoft.com.example.org",
      san: "DNS:sip.pstnhub.microsoft.com.example.org",
      eku: "serverAuth",
    });
    expect(await site.optionsWith(lookalike)).toBe("SIP/2.0 403 Forbidden");
  });

  it("refuses Microsoft's name from a CA it does not trust (TLS alert: unknown CA)", async () => {
    const otherCa = path.join(site.certWork, "other-ca");
    await mkdir(otherCa);
    createTestCa(otherCa);
    const forged = await issueCertificate(otherCa, "forged", MICROSOFT_SERVER_AUTH_ONLY);
    expect(await site.optionsWith(forged)).toMatch(/^error: .*alert unknown ca/);
  });

  it("refuses a client certificate made for client authentication only (the peer must be a server)", async () => {
    const clientOnly = await issueCertificate(site.certWork, "ms-client-auth-only", {
      ...MICROSOFT_SERVER_AUTH_ONLY,
      eku: "clientAuth",
    });
    expect(await site.optionsWith(clientOnly)).toMatch(/^error: .*alert unsupported certificate/);
  });
});

describe("SBC inbound TLS without the purpose shim (Kamailio 5.6 as packaged)", () => {
  let packaged: TlsSbc;

  beforeAll(async () => {
    packaged = await startTlsSbc({ purposeShim: false });
  }, 60_000);

  afterAll(async () => {
    await packaged?.sbc.stop();
  });

  it("fails the handshake with Microsoft's serverAuth-only certificate (TLS alert: unsupported certificate)", async () => {
    const microsoft = await issueCertificate(
      packaged.certWork,
      "ms-server-auth-only",
      MICROSOFT_SERVER_AUTH_ONLY,
    );
    expect(await packaged.optionsWith(microsoft)).toMatch(/^error: .*alert unsupported certificate/);
  });
});
