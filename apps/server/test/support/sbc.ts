/**
 * Kamailio's database role in the tests. A role belongs to the whole PostgreSQL server, which every
 * test file shares, so every test that sets its password sets this same one.
 */
export const KAMAILIO_DB_ROLE = "sip2teams_kamailio";
export const KAMAILIO_DB_PASSWORD = "kamailio-test-password";

/** The SBC database URL as Kamailio's role (what kamailio-local.cfg's DBURL holds). */
export function asKamailioRole(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = KAMAILIO_DB_ROLE;
  url.password = KAMAILIO_DB_PASSWORD;
  return url.toString();
}
