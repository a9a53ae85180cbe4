import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./sbc.js";

/** Builds sbc/tls-purpose (the shim Kamailio preloads for inbound TLS) into `outDir` with its Makefile; returns the .so path. */
export async function buildTlsPurposeShim(outDir: string): Promise<string> {
  await promisify(execFile)("make", ["-s", "-C", path.join(repoRoot, "sbc/tls-purpose"), `OUT=${outDir}`]);
  return path.join(outDir, "kamailio-tls-server-purpose.so");
}
