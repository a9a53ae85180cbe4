import { spawnSync } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sbcCfgDir } from "./support/sbc.js";

/** The shipped Kamailio configuration as a fresh checkout has it (issue 11, item 8). */
describe("SBC configuration on a fresh checkout", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("passes `kamailio -c` with no kamailio-local.cfg", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-sbc-fresh-"));
    dirs.push(dir);
    for (const file of await readdir(sbcCfgDir)) {
      if (file.endsWith(".cfg") && file !== "kamailio-local.cfg") {
        await copyFile(path.join(sbcCfgDir, file), path.join(dir, file));
      }
    }
    const check = spawnSync("/usr/sbin/kamailio", ["-c", "-f", path.join(dir, "kamailio.cfg")], {
      encoding: "utf8",
    });
    expect(check.status, `${check.stdout}\n${check.stderr}`).toBe(0);
    expect(check.stderr).not.toMatch(/ERROR|CRITICAL/);
  });

  it("the site sample anchors media on rtpengine (Microsoft's SRTP never reaches a plain-RTP PBX)", async () => {
    const sample = await readFile(path.join(sbcCfgDir, "kamailio-local.cfg.sample"), "utf8");
    expect(sample).toMatch(/^#!define WITH_RTPENGINE$/m);
    expect(sample).toMatch(/^#!substdef "!RTPENGINE_SOCK!udp:[^!]+!g"$/m);
  });
});
