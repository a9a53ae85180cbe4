import { createSocket } from "node:dgram";
import net from "node:net";

/*
 * Ports for the SIP processes of a test (Kamailio, SIPp, rtpengine). Kamailio binds its UDP sockets with
 * SO_REUSEADDR, so a port another test file's Kamailio already holds is bound again without an error and
 * that Kamailio answers our calls. A kernel-chosen free TCP port (freePort) can be handed to two test files
 * running at once, so each vitest worker takes its ports from a block of its own below Linux's ephemeral
 * range (32768–60999), checked free for both TCP and UDP.
 */
const BASE = 20_000;
const BLOCK = 400;
const WORKER_BLOCKS = 30;
let nextInBlock = 0;

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

/** A port free for TCP and UDP on 127.0.0.1, from this vitest worker's own block. */
export async function sipTestPort(): Promise<number> {
  const worker = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % WORKER_BLOCKS;
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = BASE + worker * BLOCK + (nextInBlock++ % BLOCK);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in the test block of vitest worker ${worker + 1}`);
}
