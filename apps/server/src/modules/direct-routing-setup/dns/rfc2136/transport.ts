import { createConnection } from "node:net";
import { DnsUpdateError } from "./errors.js";

/** Sends one DNS message over TCP (two-byte length prefix, RFC 1035 §4.2.2) and reads one answer. */
export function exchangeTcp(
  server: string,
  port: number,
  message: Buffer,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: server, port });
    let received = Buffer.alloc(0);
    const fail = (error: DnsUpdateError) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(
        new DnsUpdateError(
          "TIMEOUT",
          `The DNS server ${server}:${port} did not answer within ${Math.round(timeoutMs / 1000)} s.`,
          false,
        ),
      ),
    );
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      fail(
        new DnsUpdateError(
          "UNREACHABLE",
          `Could not reach the DNS server ${server}:${port} over TCP (${error.code ?? error.message}).`,
          false,
        ),
      ),
    );
    socket.on("end", () => {
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) {
        fail(
          new DnsUpdateError(
            "UNREACHABLE",
            `The DNS server ${server}:${port} closed the connection without an answer.`,
            false,
          ),
        );
      }
    });
  });
}
