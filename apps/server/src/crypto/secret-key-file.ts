import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";
import { createSecretBox, type SecretBox } from "./secret-box.js";

/**
 * The key comes from SECRETS_KEY. Outside production, with none configured, a key is generated
 * once into the data folder so that `npm start` needs no setup (production refuses to boot without one).
 */
export async function loadSecretBox(config: Config): Promise<SecretBox> {
  if (config.SECRETS_KEY) {
    return createSecretBox(config.SECRETS_KEY_ID, {
      [config.SECRETS_KEY_ID]: Buffer.from(config.SECRETS_KEY, "base64"),
    });
  }
  const file = path.join(config.dataDir, "secrets-key.json");
  if (!existsSync(file)) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const generated = { keyId: "dev1", key: randomBytes(32).toString("base64") };
    await writeFile(file, JSON.stringify(generated), { mode: 0o600 });
  }
  // Only the portal's own user may read the key (a file from an older version may be more open).
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const { keyId, key } = JSON.parse(await readFile(file, "utf8")) as { keyId: string; key: string };
  return createSecretBox(keyId, { [keyId]: Buffer.from(key, "base64") });
}
