import { randomUUID } from "node:crypto";
import net from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kamailioAdapter } from "../src/modules/sbc/kamailio/adapter.js";
import {
  type SbcNode,
  type StandaloneSbc,
  startAnotherSbcNode,
  startStandaloneSbc,
  TEAMS_BASE_DOMAIN,
} from "./support/sbc.js";

/**
 * Several SBC nodes on one database (issue 11, scope 4): each node answers Microsoft's OPTIONS (and sends
 * its keep-alives) with its own name, the site setting SBC_NODE_FQDN, while calls keep the customer FQDNs;
 * and the portal's sync reloads every node (KAMAILIO_OTHER_NODE_RPC_URLS), not only the first.
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
  let node2: SbcNode | undefined;
  afterAll(async () => {
    await node2?.stop();
    await sbc?.stop();
  });

  async function rpcOn(url: string, method: string, params: unknown[] = []) {
    const response = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 }),
    });
    return ((await response.json()) as { result?: unknown }).result;
  }

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

  it("a sync reloads every node of the database: the second node routes the new trunk at once", async () => {
    node2 = await startAnotherSbcNode(sbc, "node2", (site) =>
      site.replace(`!${NODE}!`, `!sbc3.${TEAMS_BASE_DOMAIN}!`),
    );
    const node2Rpc = node2.rpcUrl;
    const enterpriseId = randomUUID();
    const fqdn = `nodes.${TEAMS_BASE_DOMAIN}`;
    const adapter = kamailioAdapter({
      databaseUrl: sbc.dbUrl,
      rpcUrl: `http://127.0.0.1:${sbc.ports.rpc}/RPC`,
      otherNodeRpcUrls: [node2Rpc],
      schemaDir: "/usr/share/kamailio/postgres",
      microsoftProxies: ["sip:127.0.0.1:5061;transport=tcp"],
      log: pino({ level: "silent" }),
    });
    try {
      const result = await adapter.sync(enterpriseId, {
        trunk: {
          enterpriseId,
          fqdn,
          pbxHost: "127.0.0.1",
          pbxPort: 5062,
          transport: "UDP",
          sipDomain: "pbx.nodes.test",
          realm: "pbx.nodes.test",
          outboundProxy: null,
          mode: "static-ip",
          allowedIps: ["127.0.0.1"],
          maxConcurrentCalls: 5,
          transferMode: "strip",
          codecs: ["PCMA"],
        },
        devices: [],
      });
      expect(result.activated).toBe(true);
      for (const url of [`http://127.0.0.1:${sbc.ports.rpc}/RPC`, node2Rpc]) {
        const entry = (await rpcOn(url, "htable.get", ["sbc", `fqdn:${fqdn}`])) as {
          item?: { value?: string };
        };
        expect(entry?.item?.value, url).toBe(enterpriseId);
      }
    } finally {
      await adapter.close();
    }
  }, 60_000);
});
