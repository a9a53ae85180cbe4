import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandaloneSbc, sbcCfgDir, startStandaloneSbc, TEAMS_BASE_DOMAIN } from "./support/sbc.js";

/**
 * Inbound mutual TLS (issue 11, item 1): Microsoft's proxies connect to the SBC as TLS clients. A
 * certificate from a CA the SBC trusts is not enough: its subject or SAN must be a Microsoft SIP
 * proxy name. "Microsoft" here is a Node TLS client; the test CA stands in for the public roots.
 */

const openssl = (args: string[], cwd: string) =>
  execFileSync("/usr/bin/openssl", args, { cwd, stdio: "pipe" });

async function issue(work: string, name: string, cn: string, san: string, eku: string) {
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ],
    work,
  );
  await writeFile(path.join(work, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${eku}\n`);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ],
    work,
  );
  return {
    key: await readFile(path.join(work, `${name}.key`)),
    cert: await readFile(path.join(work, `${name}.pem`)),
  };
}

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
        openssl(
          [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=sip2teams test CA",
          ],
          work,
        );
        await issue(
          work,
          "sbc",
          `*.${TEAMS_BASE_DOMAIN}`,
          `DNS:*.${TEAMS_BASE_DOMAIN},DNS:${TEAMS_BASE_DOMAIN}`,
          "serverAuth,clientAuth",
        );
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
    const microsoft = await issue(
      certWork,
      "ms",
      "sip2.pstnhub.microsoft.com",
      "DNS:sip2.pstnhub.microsoft.com",
      "serverAuth,clientAuth",
    );
    expect(await optionsWith(microsoft)).toBe("SIP/2.0 200 OK");
  });

  it("refuses any other trusted certificate (a name that is not Microsoft's)", async () => {
    const other = await issue(
      certWork,
      "other",
      "sbc.example.org",
      "DNS:sbc.example.org",
      "serverAuth,clientAuth",
    );
    expect(await optionsWith(other)).toBe("SIP/2.0 403 Forbidden");
  });
});
