import { readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { ensureKamailioRole, grantKamailioInsert, grantKamailioRead, type KamailioRole } from "./role.js";

/**
 * Kamailio's schema files (Debian: kamailio-postgres-modules) and the tables each creates (the first
 * tells whether it is installed). The files are executed as shipped, never re-typed.
 */
export const KAMAILIO_SCHEMA_FILES: readonly (readonly [
  file: string,
  tables: readonly [string, ...string[]],
])[] = [
  ["standard-create.sql", ["version"]],
  ["uac-create.sql", ["uacreg"]],
  ["domain-create.sql", ["domain", "domain_attrs"]],
  ["dispatcher-create.sql", ["dispatcher"]],
  ["permissions-create.sql", ["address", "trusted"]],
  ["htable-create.sql", ["htable"]],
  ["acc-create.sql", ["acc", "acc_cdrs", "missed_calls"]],
];

/** Every table of Kamailio's: what its database role may read. */
export const KAMAILIO_TABLES: readonly string[] = KAMAILIO_SCHEMA_FILES.flatMap(([, tables]) => tables);

/**
 * Call logs: the columns sbc/kamailio/kamailio.cfg's acc `cdr_extra` writes into `acc_cdrs` (text, as acc
 * writes them; times are epoch "seconds.microseconds"), and typed columns computed from them that the
 * call-logs module filters, sorts and pages on. Kamailio's role may insert CDRs, nothing more.
 */
const CALL_LOG_SQL = `
alter table acc_cdrs
  add column if not exists s2t_direction text,
  add column if not exists s2t_enterprise text,
  add column if not exists s2t_fqdn text,
  add column if not exists s2t_device text,
  add column if not exists s2t_user_number text,
  add column if not exists s2t_from text,
  add column if not exists s2t_to text,
  add column if not exists s2t_call_id text,
  add column if not exists s2t_invited text,
  add column if not exists s2t_answered text,
  add column if not exists s2t_ended text,
  add column if not exists s2t_failed text,
  add column if not exists s2t_code text,
  add column if not exists s2t_reason text,
  add column if not exists s2t_proxy text;
alter table acc_cdrs
  add column if not exists s2t_started_at timestamptz generated always as
    (to_timestamp(nullif(s2t_invited, '')::double precision)) stored,
  add column if not exists s2t_answered_at timestamptz generated always as
    (case when s2t_code like '2%' then to_timestamp(nullif(s2t_answered, '')::double precision) end) stored,
  add column if not exists s2t_ended_at timestamptz generated always as
    (case when s2t_code like '2%' then to_timestamp(nullif(s2t_ended, '')::double precision)
          else to_timestamp(nullif(s2t_failed, '')::double precision) end) stored;
create index if not exists sip2teams_cdr_enterprise_idx on acc_cdrs (s2t_enterprise, s2t_started_at desc, id desc);
create index if not exists sip2teams_cdr_started_idx on acc_cdrs (s2t_started_at);
create index if not exists sip2teams_cdr_ended_idx on acc_cdrs (s2t_enterprise, s2t_ended_at);
`;

/** The tables Kamailio's role may insert into (acc's CDRs and events) with their id sequences. */
export const KAMAILIO_WRITTEN_TABLES: readonly string[] = ["acc", "acc_cdrs", "missed_calls"];

/** Serialises schema installs and writes of every sip2teams process on one SBC database. */
export const SBC_LOCK_KEY = 770_707;

/**
 * Our own bookkeeping beside Kamailio's tables: what was applied per enterprise (digests, so a
 * run only touches what changed) and what still has to be activated in the running Kamailio.
 */
const BOOKKEEPING_SQL = `
create table if not exists sip2teams_sbc_state (
  enterprise_id text primary key,
  fqdn text not null,
  mode text not null,
  pbx_set integer not null unique,
  trunk_digest text not null,
  devices jsonb not null default '{}',
  numbers jsonb not null default '{}',
  applied_at timestamptz not null default now()
);
create index if not exists sip2teams_htable_key_idx on htable (key_name);
create table if not exists sip2teams_sbc_pending (
  enterprise_id text primary key,
  tables text[] not null default '{}',
  refresh text[] not null default '{}',
  unregister text[] not null default '{}',
  updated_at timestamptz not null default now()
);
`;

export class KamailioSchemaMissing extends Error {
  constructor(file: string) {
    super(
      `Kamailio schema file ${file} not found: install the Debian package kamailio-postgres-modules, or set KAMAILIO_SCHEMA_DIR`,
    );
    this.name = "KamailioSchemaMissing";
  }
}

/**
 * Installs every missing Kamailio table from Kamailio's own SQL files, then our bookkeeping tables;
 * with `kamailioRole`, creates Kamailio's role and lets it read Kamailio's tables, and only those.
 */
export async function installKamailioSchema(
  pool: pg.Pool,
  schemaDir: string,
  kamailioRole?: KamailioRole,
): Promise<string[]> {
  if (kamailioRole) await ensureKamailioRole(pool, kamailioRole);
  const installed: string[] = [];
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [SBC_LOCK_KEY]);
    for (const [file, [table]] of KAMAILIO_SCHEMA_FILES) {
      const found = await client.query<{ t: string | null }>("select to_regclass($1) as t", [
        `public.${table}`,
      ]);
      if (found.rows[0]?.t) continue;
      const fullPath = path.join(schemaDir, file);
      const sql = await readFile(fullPath, "utf8").catch(() => {
        throw new KamailioSchemaMissing(fullPath);
      });
      await client.query(sql);
      installed.push(file);
    }
    await client.query(BOOKKEEPING_SQL);
    await client.query(CALL_LOG_SQL);
    if (kamailioRole) {
      const readOnly = KAMAILIO_TABLES.filter((table) => !KAMAILIO_WRITTEN_TABLES.includes(table));
      await grantKamailioRead(client, kamailioRole.name, readOnly);
      await grantKamailioInsert(client, kamailioRole.name, KAMAILIO_WRITTEN_TABLES);
    }
    await client.query("commit");
    return installed;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
