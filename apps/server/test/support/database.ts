import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { ensureDatabase } from "../../src/db/client.js";

/** A fresh, empty database on the test server, for one test file. */
export async function freshDatabaseUrl(): Promise<string> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  return ensureDatabase(inject("postgresUrl"), name);
}
