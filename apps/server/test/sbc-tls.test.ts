import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kamailioAdapter } from "../src/modules/sbc/kamailio/adapter.js";
import { freshDatabaseUrl } from "./support/database.js";
import { sipTestPort } from "./support/ports.js";
import { asKamailioRole, KAMAILIO_DB_PASSWORD, KAMAILIO_DB_ROLE, kamailioArgs } from "./support/sbc.js";
import { createTestCa, issueCertificate } from "./support/test-ca.js";
import { buildTlsPurposeShim } from "./support/tls-purpose-shim.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

/**
 * The production transport toward Microsoft, for real: sbc/kamailio/kamailio.cfg without test mode,
 * TLS on its "ms" socket with a wildcard certificate for the base domain, mutual TLS both ways.
 * A Node TLS server plays Microsoft's SIP proxy (SIPp in Debian has no TLS): it must receive the
 * SBC's OPTIONS keep-alives over TLS, and the SBC must answer Microsoft's OPTIONS over TLS.
 */

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cfgDir = path.join(repoRoot, "sbc/kamailio");
const BASE_DOMAIN = "customers.sip2teams.test";

/** This suite polls processes that may still be starting, so probe errors are retried until the deadline. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 150, retryOnError: true });

describe("SBC toward Microsoft over TLS (production transport)", () => {
  let work: string;
  let kamailio: ChildProcess | undefined;
  const kamailioOutput: string[] = [];
  let microsoft: tls.Server | undefined;
  const received: { text: string; peerCn: string | undefined }[] = [];
  const ports = { ms: 0, pbx: 0, rpc: 0, microsoft: 0 };
  let certs: { ca: Buffer; key: Buffer; cert: Buffer; msKey: Buffer; msCert: Buffer };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "sip2teams-sbc-tls-"));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await sipTestPort();

    // A CA, the SBC's wildcard certificate for the carrier's base domain, and "Microsoft's" certificate,
    // serverAuth only as Microsoft's proxies present from 2026 (also as TLS clients).
    createTestCa(work);
    for (const [name, cn, san, eku] of [
      ["sbc", `*.${BASE_DOMAIN}`, `DNS:*.${BASE_DOMAIN},DNS:${BASE_DOMAIN}`, "serverAuth,clientAuth"],
      ["ms", "sip.pstnhub.microsoft.com", "DNS:sip.pstnhub.microsoft.com", "serverAuth"],
    ] as const) {
      await issueCertificate(work, name, { cn, san, eku });
    }
    const read = (file: string) => readFile(path.join(work, file));
    certs = {
      ca: await read("ca.pem"),
      key: await read("sbc.key"),
      cert: await read("sbc.pem"),
      msKey: await read("ms.key"),
      msCert: await read("ms.pem"),
    };

    // "Microsoft": a mutual-TLS SIP endpoint answering OPTIONS.
    microsoft = tls.createServer(
      { key: certs.msKey, cert: certs.msCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
      (socket) => {
        let buffer = "";
        socket.on("data", (chunk) => {
          buffer += chunk.toString();
          let end = buffer.indexOf("\r\n\r\n");
          while (end >= 0) {
            const message = buffer.slice(0, end + 4);
            buffer = buffer.slice(end + 4);
            const peer = socket.getPeerCertificate();
            received.push({ text: message, peerCn: peer?.subject?.CN as string | undefined });
            if (message.startsWith("OPTIONS ")) {
              const header = (name: string) => message.match(new RegExp(`^${name}:.*$`, "mi"))?.[0] ?? "";
              socket.write(
                [
                  "SIP/2.0 200 OK",
                  header("Via"),
                  header("From"),
                  `${header("To")};tag=ms1`,
                  header("Call-ID"),
                  header("CSeq"),
                  "Content-Length: 0",
                  "",
                  "",
                ].join("\r\n"),
              );
            }
            end = buffer.indexOf("\r\n\r\n");
          }
        });
        socket.on("error", () => {});
      },
    );
    await new Promise<void>((resolve) => microsoft!.listen(ports.microsoft, "127.0.0.1", resolve));

    const sbcUrl = await freshDatabaseUrl();
    const adapter = kamailioAdapter({
      databaseUrl: sbcUrl,
      schemaDir: "/usr/share/kamailio/postgres",
      kamailioRole: { name: KAMAILIO_DB_ROLE, password: KAMAILIO_DB_PASSWORD },
      microsoftProxies: [`sip:127.0.0.1:${ports.microsoft};transport=tls`],
      log: pino({ level: "silent" }),
    });
    // Installs Kamailio's schema and writes Microsoft's proxies (no enterprise yet; Kamailio not running).
    await adapter.sync(randomUUID(), null);
    await adapter.close();

    const kamDir = path.join(work, "kamailio");
    await mkdir(path.join(kamDir, "run"), { recursive: true });
    for (const file of await readdir(cfgDir)) {
      if (file.endsWith(".cfg")) await copyFile(path.join(cfgDir, file), path.join(kamDir, file));
    }
    // The shipped tls.cfg with this run's certificate paths.
    const tlsCfg = (await readFile(path.join(cfgDir, "tls.cfg"), "utf8"))
      .replaceAll("/etc/kamailio/tls/sbc.key", path.join(work, "sbc.key"))
      .replaceAll("/etc/kamailio/tls/sbc-wildcard.pem", path.join(work, "sbc.pem"))
      .replaceAll("/etc/ssl/certs/ca-certificates.crt", path.join(work, "ca.pem"));
    await writeFile(path.join(kamDir, "tls.cfg"), tlsCfg);
    await writeFile(
      path.join(kamDir, "kamailio-local.cfg"),
      [
        `#!substdef "!DBURL!${asKamailioRole(sbcUrl)}!g"`,
        `#!substdef "!SBC_BASE_DOMAIN!${BASE_DOMAIN}!g"`,
        `#!substdef "!MS_LISTEN!tls:127.0.0.1:${ports.ms}!g"`,
        `#!substdef "!MS_ADV_PORT!${ports.ms}!g"`,
        `#!substdef "!PBX_LISTEN!udp:127.0.0.1:${ports.pbx}!g"`,
        `#!substdef "!PBX_ADVERTISE!127.0.0.1:${ports.pbx}!g"`,
        `#!substdef "!RPC_LISTEN!tcp:127.0.0.1:${ports.rpc}!g"`,
        `#!substdef "!TLS_CONFIG!${path.join(kamDir, "tls.cfg")}!g"`,
        '#!substdef "!TOPOH_KEY!sbc-tls-test!g"',
        '#!substdef "!TOPOH_MASK_IP!10.255.255.1!g"',
        "#!define DS_PING_INTERVAL 1",
        "",
      ].join("\n"),
    );
    // As a site runs it: with the TLS purpose shim preloaded (sbc/README.md, "Inbound TLS").
    kamailio = spawn("/usr/sbin/kamailio", kamailioArgs(kamDir), {
      cwd: kamDir,
      env: { ...process.env, LD_PRELOAD: await buildTlsPurposeShim(work) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    kamailio.stdout!.on("data", (c) => kamailioOutput.push(c.toString()));
    kamailio.stderr!.on("data", (c) => kamailioOutput.push(c.toString()));
    await waitFor("Kamailio JSON-RPC", async () => {
      if (kamailio!.exitCode !== null) throw new Error(`kamailio exited:\n${kamailioOutput.join("")}`);
      const response = await fetch(`http://127.0.0.1:${ports.rpc}/RPC`, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", method: "core.version", id: 1 }),
      });
      return response.ok;
    });
  }, 60_000);

  afterAll(async () => {
    if (kamailio && kamailio.exitCode === null) {
      kamailio.kill("SIGTERM");
      await new Promise((resolve) => kamailio!.once("exit", resolve));
    }
    await new Promise((resolve) => (microsoft ? microsoft.close(resolve) : resolve(undefined)));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("sends OPTIONS keep-alives to Microsoft over mutual TLS, with its FQDN in Contact and its wildcard certificate", async () => {
    const options = await waitFor("an OPTIONS over TLS", async () =>
      received.find((m) => m.text.startsWith("OPTIONS ")),
    );
    expect(options.text).toMatch(/^Via: SIP\/2\.0\/TLS /m);
    expect(options.text).toContain(`Contact: <sip:${BASE_DOMAIN}:${ports.ms};transport=tls>`);
    expect(options.peerCn).toBe(`*.${BASE_DOMAIN}`);
    await waitFor("Microsoft's proxy marked reachable", async () => {
      const response = await fetch(`http://127.0.0.1:${ports.rpc}/RPC`, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", method: "dispatcher.list", id: 1 }),
      });
      return (await response.text()).includes('"FLAGS":"AP"');
    });
  });

  it("answers Microsoft's OPTIONS over TLS on its socket, presenting the wildcard certificate for a customer FQDN", async () => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: ports.ms,
      servername: `acme.${BASE_DOMAIN}`,
      ca: certs.ca,
      key: certs.msKey,
      cert: certs.msCert,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(`acme.${BASE_DOMAIN}`, cert),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    expect(socket.getPeerCertificate().subject.CN).toBe(`*.${BASE_DOMAIN}`);
    const reply = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.includes("\r\n\r\n")) resolve(text);
      });
    });
    const local = `${socket.localAddress}:${socket.localPort}`;
    socket.write(
      [
        `OPTIONS sip:acme.${BASE_DOMAIN}:${ports.ms};transport=tls SIP/2.0`,
        `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
        "Max-Forwards: 70",
        `From: <sip:sip.pstnhub.microsoft.com>;tag=${randomUUID().slice(0, 8)}`,
        `To: <sip:acme.${BASE_DOMAIN}>`,
        `Call-ID: ${randomUUID()}`,
        "CSeq: 1 OPTIONS",
        `Contact: <sip:sip.pstnhub.microsoft.com:5061;transport=tls>`,
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    );
    const text = await reply;
    socket.destroy();
    expect(text).toMatch(/^SIP\/2\.0 200 OK/);
    expect(text).toContain(`Contact: <sip:${BASE_DOMAIN}:${ports.ms};transport=tls>`);
  });

  it("accepts the documented site settings (kamailio-local.cfg.sample) in production mode", async () => {
    const dir = path.join(work, "sample");
    await mkdir(dir, { recursive: true });
    for (const file of await readdir(cfgDir)) {
      if (file.endsWith(".cfg")) await copyFile(path.join(cfgDir, file), path.join(dir, file));
    }
    const sample = await readFile(path.join(cfgDir, "kamailio-local.cfg.sample"), "utf8");
    await writeFile(
      path.join(dir, "kamailio-local.cfg"),
      sample.replace("/etc/kamailio/sip2teams/tls.cfg", path.join(dir, "tls.cfg")),
    );
    const output = execFileSync("/usr/sbin/kamailio", ["-c", "-f", path.join(dir, "kamailio.cfg")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(output).toMatch(/tls: 203\.0\.113\.10 .*:5061 name ms/);
  });
});
