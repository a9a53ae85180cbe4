import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const LOCK_STALE_MS = 15_000;

/** Writes atomically so a concurrent reader never sees a half-written file. */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads a set of files that belong together (a key and its certificate), creating them once.
 * Several emulators may start on the same data folder at the same moment (parallel test workers):
 * a lock directory makes exactly one of them generate the set while the others wait and read it.
 */
export function loadOrCreateFileSet(
  dir: string,
  names: string[],
  create: () => Record<string, string>,
): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const paths = names.map((n) => join(dir, n));
  const read = () => Object.fromEntries(names.map((n, i) => [n, readFileSync(paths[i] as string, "utf8")]));
  const complete = () => paths.every((p) => existsSync(p));
  const lock = join(dir, `.${names[0]}.lock`);
  for (;;) {
    if (complete()) return read();
    try {
      mkdirSync(lock);
    } catch {
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > LOCK_STALE_MS) {
        try {
          rmdirSync(lock);
        } catch {
          // another process took it over
        }
      } else sleepSync(25);
      continue;
    }
    try {
      if (complete()) return read();
      const files = create();
      // Private keys stay owner-only; certificates are public and must be readable by clients.
      for (const [i, n] of names.entries()) {
        writeFileAtomic(paths[i] as string, files[n] as string, n.includes("key") ? 0o600 : 0o644);
      }
      return files;
    } finally {
      rmdirSync(lock);
    }
  }
}
