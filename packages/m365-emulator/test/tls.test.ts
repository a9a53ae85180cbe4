import { X509Certificate } from "node:crypto";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { startM365Emulator } from "../src/index.js";

describe("TLS", () => {
  it("serves a localhost/127.0.0.1 certificate issued by a CA that is reused across starts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "m365-emulator-tls-"));
    const first = await startM365Emulator({ dataDir, scenario: { tenants: [] } });
    const port = Number(new URL(first.url).port);
    const peer = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connect(
        { host: "127.0.0.1", port, ca: [first.caCertPem], servername: "localhost" },
        () => {
          const cert = socket.getPeerX509Certificate();
          socket.end();
          if (cert) resolve(cert);
          else reject(new Error("no peer certificate"));
        },
      );
      socket.on("error", reject);
    });
    expect(peer.subjectAltName).toContain("DNS:localhost");
    expect(peer.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(peer.checkIssued(new X509Certificate(first.caCertPem))).toBe(true);
    expect(statSync(first.caCertPath).mode & 0o777).toBe(0o644);
    await first.close();
    const second = await startM365Emulator({ dataDir, scenario: { tenants: [] } });
    expect(second.caCertPem).toBe(first.caCertPem);
    await second.close();
  });
});
