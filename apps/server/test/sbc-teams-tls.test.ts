import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandaloneSbc, sbcCfgDir, startStandaloneSbc, TEAMS_BASE_DOMAIN } from "./support/sbc.js";
import { createTestCa, issueCertificate } from "./support/test-ca.js";

/**
 * Inbound mutual TLS (issue 11, item 1): Microsoft's proxies connect to the SBC as TLS clients. A
 * certificate from a CA the SBC trusts is not enough: its subject or SAN must be a Microsoft SIP
 * proxy name. "Microsoft" here is a Node TLS client; the test CA stands in for the public roots.
 * Known limitation (sbc/README.md, "Inbound TLS: known limitation"): Kamailio 5.6 verifies a client
 * certificate for the TLS-client purpose, so Microsoft's serverAuth-only certificates fail the handshake;
 * the last test pins that, so an upgrade that lifts it is noticed.
 */

describe("SBC inbound mutual TLS from Microsoft", () => {
  let sbc: StandaloneSbc;
  let ca: Buffer;
  let certWork: string;

  /** Opens a TLS connection with this client certificate and sends an OPTIONS; resolves with the reply's status line, or the error. */
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

  beforeAll(async () => {
    sbc = await startStandaloneSbc({
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
    });
  }, 60_000);

  afterAll(async () => {
    await sbc?.stop();
  });

  it("accepts a Microsoft SIP proxy by name (sip2.pstnhub.microsoft.com)", async () => {
    const microsoft = await issueCertificate(certWork, "ms", {
      cn: "sip2.pstnhub.microsoft.com",
      san: "DNS:sip2.pstnhub.microsoft.com",
      eku: "serverAuth,clientAuth",
    });
    expect(await optionsWith(microsoft)).toBe("SIP/2.0 200 OK");
  });

  it("refuses any other trusted certificate (a name that is not Microsoft's)", async () => {
    const other = await issueCertificate(certWork, "other", {
      cn: "sbc.example.org",
      san: "DNS:sbc.example.org",
      eku: "serverAuth,clientAuth",
    });
    expect(await optionsWith(other)).toBe("SIP/2.0 403 Forbidden");
  });

  it("refuses a certificate with Microsoft's name from a CA it does not trust (TLS alert: unknown CA)", async () => {
    const otherCa = path.join(certWork, "other-ca");
    await mkdir(otherCa);
    createTestCa(otherCa);
    const forged = await issueCertificate(otherCa, "forged", {
      cn: "sip.pstnhub.microsoft.com",
      san: "DNS:sip.pstnhub.microsoft.com",
      eku: "serverAuth,clientAuth",
    });
    expect(await optionsWith(forged)).toMatch(/^error: .*alert unknown ca/);
  });

  it("known limitation: a serverAuth-only certificate (Microsoft's from 2026) fails the handshake (TLS alert: unsupported certificate)", async () => {
    const serverAuthOnly = await issueCertificate(certWork, "ms-server-auth-only", {
      cn: "sip.pstnhub.microsoft.com",
      san: "DNS:sip.pstnhub.microsoft.com",
      eku: "serverAuth",
    });
    expect(await optionsWith(serverAuthOnly)).toMatch(/^error: .*alert unsupported certificate/);
  });
});
