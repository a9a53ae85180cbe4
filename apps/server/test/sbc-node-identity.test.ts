import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandaloneSbc, startStandaloneSbc, TEAMS_BASE_DOMAIN } from "./support/sbc.js";

/**
 * Several SBC nodes on one database (issue 11, scope 4): each node answers Microsoft's OPTIONS (and sends
 * its keep-alives) with its own name, the site setting SBC_NODE_FQDN, while calls keep the customer FQDNs.
 */

const NODE = `sbc2.${TEAMS_BASE_DOMAIN}`;

describe("SBC node identity toward Microsoft (SBC_NODE_FQDN)", () => {
  let sbc: StandaloneSbc;

  beforeAll(async () => {
    sbc = await startStandaloneSbc({
      seed: async () => {},
      localCfg: () => [`#!substdef "!SBC_NODE_FQDN!${NODE}!g"`],
    });
  }, 60_000);
  afterAll(() => sbc?.stop());

  /** Microsoft's OPTIONS over TCP to the "ms" socket (test mode); resolves with the whole answer. */
  const optionsFromMicrosoft = () =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(sbc.ports.ms, "127.0.0.1");
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.includes("\r\n\r\n")) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
      socket.on("connect", () => {
        const local = `${socket.localAddress}:${socket.localPort}`;
        socket.write(
          [
            `OPTIONS sip:${TEAMS_BASE_DOMAIN}:${sbc.ports.ms};transport=tcp SIP/2.0`,
            `Via: SIP/2.0/TCP ${local};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
            "Max-Forwards: 70",
            `From: <sip:sip.pstnhub.microsoft.com>;tag=${randomUUID().slice(0, 8)}`,
            `To: <sip:${TEAMS_BASE_DOMAIN}>`,
            `Call-ID: ${randomUUID()}`,
            "CSeq: 1 OPTIONS",
            "Content-Length: 0",
            "",
            "",
          ].join("\r\n"),
        );
      });
    });

  it("answers Microsoft's OPTIONS with this node's FQDN in Contact", async () => {
    const answer = await optionsFromMicrosoft();
    expect(answer.split("\r\n")[0]).toBe("SIP/2.0 200 OK");
    expect(answer).toContain(`Contact: <sip:${NODE}:${sbc.ports.ms};transport=tcp>`);
  });
});
