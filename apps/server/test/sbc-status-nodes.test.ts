import { randomUUID } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SbcEnterpriseStatus } from "../src/modules/sbc/index.js";
import { kamailioAdapter } from "../src/modules/sbc/kamailio/adapter.js";
import { NODE_DEADLINE_MS } from "../src/modules/sbc/kamailio/status.js";
import { trunkStateOf } from "../src/modules/sbc/trunk-state.js";
import { sipTestPort } from "./support/ports.js";
import {
  type SbcNode,
  type StandaloneSbc,
  startAnotherSbcNode,
  startStandaloneSbc,
  TEAMS_BASE_DOMAIN,
} from "./support/sbc.js";
import { waitFor } from "./support/wait-for.js";

/**
 * The SBC status reads every node of the database (issue 11): two Kamailio nodes, and a PBX that answers
 * the first node only (OPTIONS 200 and REGISTER 200; the second gets 503 and 403), so each node sees the
 * PBX and the device differently. A node that is stopped, or one that accepts the connection and never
 * answers, is marked unreachable without failing or stalling the answer.
 */

const enterpriseId = randomUUID();
const deviceId = randomUUID();
const fqdn = `status.${TEAMS_BASE_DOMAIN}`;

describe("SBC status of several nodes", () => {
  let sbc: StandaloneSbc;
  let node2: SbcNode;
  let pbx: dgram.Socket;
  let pbxPort: number;
  let silent: net.Server;
  let silentPort: number;

  const adapterFor = (urls: string[]) =>
    kamailioAdapter({
      databaseUrl: sbc.dbUrl,
      rpcUrl: urls[0],
      otherNodeRpcUrls: urls.slice(1),
      schemaDir: "/usr/share/kamailio/postgres",
      microsoftProxies: [`sip:127.0.0.1:${pbxPort};transport=tcp`],
      log: pino({ level: "silent" }),
    });
  const node1Url = () => `http://127.0.0.1:${sbc.ports.rpc}/RPC`;

  /** A PBX that answers the first node (requests from its PBX socket) and refuses the others. */
  function startPbx(port: number, firstNodePort: number) {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (message, from) => {
      const request = message.toString();
      const method = request.split(" ")[0]!;
      if (!/^[A-Z]+$/.test(method) || method === "ACK") return;
      const headers = request.split("\r\n").filter((line) => /^(Via|From|To|Call-ID|CSeq):/i.test(line));
      const contact = /^Contact:\s*(.*)$/im.exec(request)?.[1];
      const first = from.port === firstNodePort;
      const answer = [
        first ? "SIP/2.0 200 OK" : method === "REGISTER" ? "SIP/2.0 403 Forbidden" : "SIP/2.0 503 Not Here",
        ...headers.map((line) => (/^To:/i.test(line) && !/;tag=/.test(line) ? `${line};tag=pbx` : line)),
        ...(first && method === "REGISTER" && contact ? [`Contact: ${contact};expires=600`] : []),
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      socket.send(answer, from.port, from.address);
    });
    return new Promise<dgram.Socket>((resolve) => socket.bind(port, "127.0.0.1", () => resolve(socket)));
  }

  beforeAll(async () => {
    sbc = await startStandaloneSbc({
      seed: async () => {},
      localCfg: () => [
        "#!redefine DS_PING_INTERVAL 1",
        "#!define REG_TIMER_INTERVAL 1",
        "#!define REG_RETRY_INTERVAL 2",
      ],
    });
    node2 = await startAnotherSbcNode(sbc, "node2");
    pbxPort = await sipTestPort();
    pbx = await startPbx(pbxPort, sbc.ports.pbx);
    silentPort = await sipTestPort();
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(silentPort, "127.0.0.1", resolve));

    const adapter = adapterFor([node1Url(), node2.rpcUrl]);
    try {
      const result = await adapter.sync(enterpriseId, {
        trunk: {
          enterpriseId,
          fqdn,
          pbxHost: "127.0.0.1",
          pbxPort,
          transport: "UDP",
          sipDomain: "pbx.status.test",
          realm: "pbx.status.test",
          outboundProxy: null,
          mode: "registration",
          allowedIps: [],
          maxConcurrentCalls: 5,
          transferMode: "strip",
          codecs: [],
        },
        devices: [
          {
            id: deviceId,
            enterpriseId,
            trunkFqdn: fqdn,
            sipUser: "2001",
            authId: "2001",
            password: "Secret2001",
            revision: "1",
            number: "+15550002001",
            callingEnabled: true,
          },
        ],
      });
      expect(result.activated).toBe(true);
    } finally {
      await adapter.close();
    }
  }, 90_000);

  afterAll(async () => {
    pbx?.close();
    silent?.close();
    await node2?.stop();
    await sbc?.stop();
  });

  async function statusFrom(urls: string[], until?: (status: SbcEnterpriseStatus) => boolean) {
    const adapter = adapterFor(urls);
    try {
      if (!until) return await adapter.status(enterpriseId);
      return await waitFor(
        "the nodes' views",
        async () => {
          const status = await adapter.status(enterpriseId);
          return until(status) && status;
        },
        30_000,
      );
    } finally {
      await adapter.close();
    }
  }

  it("lists every node with its own view; the top level is up where any node sees it up", async () => {
    const pbxUri = `sip:127.0.0.1:${pbxPort};transport=udp`;
    const status = await statusFrom(
      [node1Url(), node2.rpcUrl],
      (s) =>
        s.nodes[0]?.pbx[0]?.state === "reachable" &&
        s.nodes[0]?.devices[0]?.state === "registered" &&
        s.nodes[1]?.pbx[0]?.state === "unreachable" &&
        s.nodes[1]?.devices[0]?.state === "failed",
    );
    expect(status.nodes.map((n) => [n.node, n.reachable, n.error])).toEqual([
      [`127.0.0.1:${sbc.ports.rpc}`, true, null],
      [`127.0.0.1:${node2.ports.rpc}`, true, null],
    ]);
    expect(status.nodes[0]!.microsoftProxies).toEqual([
      { uri: `sip:127.0.0.1:${pbxPort};transport=tcp`, state: expect.any(String) },
    ]);
    expect(status.nodes[0]!.devices[0]).toMatchObject({ deviceId, lastRegisteredAt: expect.any(String) });
    expect(status.nodes[1]!.devices[0]).toMatchObject({ deviceId, lastRegisteredAt: null });

    expect(status.live).toEqual({ configured: true, reachable: true, error: null });
    expect(status.pbx).toEqual([{ uri: pbxUri, state: "reachable" }]);
    expect(status.devices).toEqual([
      expect.objectContaining({
        deviceId,
        sipUser: "2001",
        state: "registered",
        lastRegisteredAt: status.nodes[0]!.devices[0]!.lastRegisteredAt,
      }),
    ]);
    expect(trunkStateOf(status)).toMatchObject({ state: "up", trunk: "127.0.0.1" });

    // The second node alone sees the PBX down: the trunk is down only when no answering node sees it up.
    const second = await statusFrom([node2.rpcUrl]);
    expect(second.pbx).toEqual([{ uri: pbxUri, state: "unreachable" }]);
    expect(second.devices[0]!.state).toBe("failed");
    expect(trunkStateOf(second)).toMatchObject({ state: "down" });
  }, 60_000);

  it("a stopped node and one that never answers are unreachable with why; the answer comes at the node's deadline", async () => {
    await node2.stop();
    const urls = [node1Url(), node2.rpcUrl, `http://127.0.0.1:${silentPort}/RPC`];
    const adapter = adapterFor(urls);
    try {
      // The silent node's own deadline ends its wait (its error says so), not the test's timeout.
      const status = await adapter.status(enterpriseId);

      const [first, stopped, hanging] = status.nodes;
      expect(first).toMatchObject({ reachable: true, error: null });
      expect(first!.pbx.map((d) => d.state)).toEqual(["reachable"]);
      expect(first!.devices.map((d) => d.state)).toEqual(["registered"]);
      expect(stopped).toMatchObject({ node: `127.0.0.1:${node2.ports.rpc}`, reachable: false });
      expect(stopped!.error).toMatch(/ECONNREFUSED/);
      expect(stopped!.pbx.map((d) => d.state)).toEqual(["unknown"]);
      expect(hanging).toMatchObject({
        node: `127.0.0.1:${silentPort}`,
        reachable: false,
        error: `no answer within ${NODE_DEADLINE_MS} ms`,
      });

      expect(status.live.reachable).toBe(true);
      expect(status.live.error).toContain(`127.0.0.1:${node2.ports.rpc}: `);
      expect(status.live.error).toContain(`127.0.0.1:${silentPort}: no answer`);
      expect(status.pbx.map((d) => d.state)).toEqual(["reachable"]);
      expect(status.devices.map((d) => d.state)).toEqual(["registered"]);
      expect(trunkStateOf(status)?.state).toBe("up");

      // The node that ran out of time is left alone for a while: the next read does not ask it.
      const next = await adapter.status(enterpriseId);
      expect(next.nodes[2]!.error).toMatch(/^no answer within \d+ ms \(asked again in \d+ s\)$/);
    } finally {
      await adapter.close();
    }

    // No node answers: not reachable, the first node's error, and no trunk state to report.
    const none = await statusFrom([node2.rpcUrl]);
    expect(none.live).toMatchObject({ configured: true, reachable: false });
    expect(none.live.error).toMatch(/ECONNREFUSED/);
    expect(none.pbx.map((d) => d.state)).toEqual(["unknown"]);
    expect(trunkStateOf(none)).toBeNull();
  }, 30_000);
});
