import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type pg from "pg";

/** Kamailio's own login on the SBC database (`KAMAILIO_DB_ROLE`, `KAMAILIO_DB_PASSWORD`). */
export interface KamailioRole {
  name: string;
  /** Unset: the role is created without a password (no password login) and an existing one is left as is. */
  password?: string | undefined;
}

/** PostgreSQL errors of two processes creating or altering the same role at once. */
const RACE_CODES = new Set(["42710", "23505", "XX000", "40001"]);

/**
 * Creates Kamailio's role if it is missing and, when a password is configured, sets it. A role belongs
 * to the whole PostgreSQL server (not one database), so several portals or test databases on one server
 * may do this at the same moment: those races are retried.
 */
export async function ensureKamailioRole(pool: pg.Pool, role: KamailioRole): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      const name = client.escapeIdentifier(role.name);
      // A SCRAM verifier, not the password: PostgreSQL logs a failed statement's text.
      const password =
        role.password === undefined ? "" : ` password ${client.escapeLiteral(scramVerifier(role.password))}`;
      const found = await client.query("select 1 from pg_roles where rolname = $1", [role.name]);
      if (found.rowCount === 0) {
        await client.query(`create role ${name} login${password}`);
      } else if (role.password !== undefined) {
        await client.query(`alter role ${name} login${password}`);
      }
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code === "42501")
        throw new Error(
          `The portal's database user may not create or alter the role ${role.name} (CREATEROLE): create it once as an administrator (CREATE ROLE ${role.name} LOGIN PASSWORD '…') and unset KAMAILIO_DB_PASSWORD`,
          { cause: error },
        );
      if (!RACE_CODES.has(code) || attempt >= 5) throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * Kamailio reads its tables and writes none but acc's call logs (the cfg keeps no other state in the
 * database: uac, domain, dispatcher, permissions and htable only load). So its role gets SELECT on
 * Kamailio's tables and nothing else: not our bookkeeping tables, and not the portal's database.
 */
export async function grantKamailioRead(client: pg.PoolClient, roleName: string, tables: readonly string[]) {
  const role = client.escapeIdentifier(roleName);
  const list = tables.map((t) => client.escapeIdentifier(t)).join(", ");
  await client.query(`revoke all on ${list} from ${role}`);
  await client.query(`grant select on ${list} to ${role}`);
  await client.query(`revoke all on sip2teams_sbc_state, sip2teams_sbc_pending from ${role}`);
}

/**
 * The exception: acc writes call logs (CDRs) into its own tables, so the role may insert there (and use
 * their id sequences); it still cannot read, update or delete them.
 */
export async function grantKamailioInsert(
  client: pg.PoolClient,
  roleName: string,
  tables: readonly string[],
) {
  const role = client.escapeIdentifier(roleName);
  for (const table of tables) {
    await client.query(`revoke all on ${client.escapeIdentifier(table)} from ${role}`);
    await client.query(`grant insert on ${client.escapeIdentifier(table)} to ${role}`);
    await client.query(`grant usage on sequence ${client.escapeIdentifier(`${table}_id_seq`)} to ${role}`);
  }
}

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677, 4096 iterations), which
 * `CREATE/ALTER ROLE … PASSWORD` accepts as is. (SASLprep is the identity for the ASCII passwords
 * this is used with.)
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
