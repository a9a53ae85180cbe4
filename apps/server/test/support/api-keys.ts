import type { Database } from "../../src/db/client.js";
import { newKeyMaterial } from "../../src/modules/identity/api-keys/key-material.js";
import { apiKeyRepository } from "../../src/modules/identity/api-keys/repository.js";
import type { PortalRole } from "../../src/modules/identity/schema.js";
import { tenantScope } from "../../src/modules/tenancy/index.js";
import type { Account } from "../../src/modules/tenancy/schema.js";

let counter = 0;

export interface TestApiKey {
  id: string;
  name: string;
  key: string;
  /** Headers for `app.inject`: `Authorization: Bearer <key>`. */
  headers: Record<string, string>;
}

/** An API key of `role` in `account`, created directly in the database (as an Admin would on Settings › API keys). */
export async function createApiKey(
  db: Database,
  account: Account,
  role: PortalRole = "Admin",
  options: { expiresAt?: Date; allowedIpRanges?: string[]; name?: string } = {},
): Promise<TestApiKey> {
  const material = newKeyMaterial();
  const name = options.name ?? `${role} key ${(counter++).toString(36)}`;
  const row = await apiKeyRepository(db).create(tenantScope(account), {
    name,
    role,
    publicId: material.publicId,
    secretHash: material.secretHash,
    expiresAt: options.expiresAt ?? null,
    allowedIpRanges: options.allowedIpRanges ?? [],
  });
  return { id: row.id, name, key: material.key, headers: { authorization: `Bearer ${material.key}` } };
}
