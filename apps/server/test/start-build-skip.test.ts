import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../../../scripts/build-fingerprint.mjs");

/** Runs the fingerprint script on a scratch tree; `check` exits 0 when `npm start` may skip the build. */
const run = (root: string, command: "check" | "record") => {
  const result = spawnSync(process.execPath, [script, command, "--root", root], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
};

const write = (root: string, file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};

describe("npm start skips the build when the sources are unchanged (issue 13, item 6)", () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "sip2teams-build-skip-"));
    write(root, "package.json", "{}");
    write(root, "package-lock.json", '{"lockfileVersion":3}');
    write(root, "apps/server/src/cli.ts", "export {};");
    write(root, "apps/web/src/main.tsx", "export {};");
    write(root, "packages/m365-emulator/src/index.ts", "export {};");
    // The outputs of a build.
    write(root, "apps/server/dist/cli.js", "");
    write(root, "apps/web/dist/index.html", "");
    write(root, "packages/m365-emulator/dist/index.js", "");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("builds on a fresh clone: no output, or no recorded build", () => {
    rmSync(path.join(root, "apps/web/dist"), { recursive: true });
    expect(run(root, "check")).toEqual({
      status: 1,
      output: "build needed: apps/web/dist/index.html is missing",
    });
    write(root, "apps/web/dist/index.html", "");
    expect(run(root, "check")).toEqual({ status: 1, output: "build needed: no build recorded" });
  });

  it("skips once the build is recorded, whatever happens to tests, outputs' contents or file times", () => {
    expect(run(root, "record").status).toBe(0);
    expect(run(root, "check")).toEqual({ status: 0, output: "build current" });
    write(root, "apps/server/test/anything.test.ts", "it();");
    write(root, "apps/web/dist/assets/new.js", "");
    write(root, "apps/web/src/main.tsx", "export {};"); // same content, newer mtime
    expect(run(root, "check")).toEqual({ status: 0, output: "build current" });
  });

  it("rebuilds when any workspace's source, the lockfile or a new source file differs", () => {
    const changes: [string, string][] = [
      ["apps/server/src/cli.ts", "export const changed = 1;"],
      ["apps/web/src/main.tsx", "export const changed = 1;"],
      ["packages/m365-emulator/src/index.ts", "export const changed = 1;"],
      ["package-lock.json", '{"lockfileVersion":3,"packages":{}}'],
      ["apps/web/src/new-page.tsx", "export {};"],
    ];
    for (const [file, text] of changes) {
      expect(run(root, "record").status).toBe(0);
      write(root, file, text);
      expect(run(root, "check"), file).toEqual({
        status: 1,
        output: "build needed: the sources changed since the last build",
      });
    }
  });

  it("rebuilds when an output was deleted after a recorded build", () => {
    expect(run(root, "record").status).toBe(0);
    rmSync(path.join(root, "apps/server/dist"), { recursive: true });
    expect(run(root, "check")).toEqual({
      status: 1,
      output: "build needed: apps/server/dist/cli.js is missing",
    });
  });
});
