import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
// useradd and groupadd live in /usr/sbin, which a non-login root shell's PATH may lack.
const systemTool = (name: string) => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  };
  try {
    return await ids();
  } catch {
    await run(systemTool("groupadd"), ["postgres"]).catch(() => {});
    await run(systemTool("useradd"), ["-g", "postgres", "postgres"]);
    return ids();
  }
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. That user gets its own cluster
 * folder (0700) and may only pass through the data folder (root-owned, group `postgres`, 0710): it cannot
 * read or replace anything else there, such as the development secrets key. Nobody else gets any access.
 * Without root, the data folder is simply created private (0700).
 */
export async function preparePostgresFolders(databaseDir: string): Promise<void> {
  const dataDir = path.dirname(databaseDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = await postgresUser();
  // Never re-own a shared folder such as /tmp: the cluster must live in a folder of its own.
  if (dataDir !== path.parse(dataDir).root && dataDir !== path.resolve(os.tmpdir())) {
    await chown(dataDir, (await stat(dataDir)).uid, gid);
    await chmod(dataDir, 0o710);
  }
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  await chown(databaseDir, uid, gid);
  await chmod(databaseDir, 0o700);
}
