import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const booleanFromEnv = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const optionalUrl = z
  .string()
  .url()
  .optional()
  .or(z.literal("").transform(() => undefined));

/** Every environment variable sip2teams reads. Documented in docs/configuration.md. */
export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: optionalUrl,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: optionalUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  RUN_WORKERS: booleanFromEnv.default(true),
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().min(3).default("sip2teams <no-reply@sip2teams.localhost>"),
  SECRETS_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 random bytes, base64-encoded (openssl rand -base64 32)")
    .optional(),
  SECRETS_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/, "letters, digits, dot, dash or underscore, at most 32")
    .default("k1"),
  PORTAL_NAME: z.string().min(1).default("sip2teams"),
  TRUST_PROXY: booleanFromEnv.default(false),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(60),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  /** Requests per minute per API key, counted in PostgreSQL across every API process. */
  API_KEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Webhook endpoints on non-public addresses: off (refused), loopback (127/8, ::1 allowed), private (all). */
  WEBHOOKS_ALLOW_PRIVATE: z.enum(["off", "loopback", "private"]).default("off"),
  INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
  M365_EMULATOR: z.enum(["auto", "on", "off"]).default("auto"),
  M365_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MICROSOFT_LOGIN_URL: z.string().url().default("https://login.microsoftonline.com"),
  MICROSOFT_GRAPH_URL: z.string().url().default("https://graph.microsoft.com"),
  TEAMS_ADMIN_URL: z.string().url().default("https://api.interfaces.records.teams.microsoft.com"),
  MICROSOFT_CLIENT_ID: z.string().uuid().optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  EXTRA_CA_FILE: z.string().optional(),
  DEMO_SEED: booleanFromEnv.default(true),
  PWSH_PATH: z.string().min(1).optional(),
  TEAMS_USERS_SYNC_MINUTES: z.coerce.number().int().min(0).max(10080).default(60),
  NUMBER_QUARANTINE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** Call logs (modules/call-logs): CDRs older than this are purged from the SBC database. */
  CALL_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** SBC (modules/sbc): Kamailio's database; unset: database "kamailio" on the portal's Postgres. */
  SBC_DATABASE_URL: optionalUrl,
  /** `sip2teams start`: "auto" runs the shipped Kamailio configuration beside the portal when installed; "off" never. */
  SBC_DEMO: z.enum(["auto", "off"]).default("auto"),
  /** Kamailio JSON-RPC over HTTP (jsonrpcs + xhttp), e.g. http://127.0.0.1:5090/RPC; unset: no reloads. */
  KAMAILIO_RPC_URL: optionalUrl,
  /** Further SBC nodes on the same database: their JSON-RPC URLs, comma-separated; each sync reloads them too. */
  KAMAILIO_OTHER_NODE_RPC_URLS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((url) => url.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().url("each entry must be a URL, e.g. http://10.0.0.11:5090/RPC"))),
  KAMAILIO_SCHEMA_DIR: z.string().min(1).default("/usr/share/kamailio/postgres"),
  /** Kamailio's own login on the SBC database: read access to Kamailio's tables only. */
  KAMAILIO_DB_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL role name: lowercase letters, digits, underscore")
    .default("sip2teams_kamailio"),
  /** Its password, set by the portal; unset: the portal creates the role without one and never changes it. */
  KAMAILIO_DB_PASSWORD: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, "printable ASCII without spaces, at most 200 characters")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** DNS servers the Preflight resolves trunk FQDNs with (`ip` or `ip:port`, comma-separated); unset: the system's. */
  PREFLIGHT_DNS_SERVERS: z.string().optional(),
  /** Microsoft's Direct Routing SIP proxies, comma-separated SIP URIs (dispatcher set 1). */
  SBC_MICROSOFT_PROXIES: z
    .string()
    .min(1)
    .default(
      "sip:sip.pstnhub.microsoft.com:5061;transport=tls,sip:sip2.pstnhub.microsoft.com:5061;transport=tls,sip:sip3.pstnhub.microsoft.com:5061;transport=tls",
    ),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  dataDir: string;
  publicUrl: string;
  isProduction: boolean;
  isSmtpConfigured: boolean;
  usesEmbeddedPostgres: boolean;
  usesM365Emulator: boolean;
  /** Set by runtime/boot.ts when it started the built-in Microsoft 365 emulator (its base URL). */
  m365EmulatorUrl?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const raw = parsed.data;
  const problems: string[] = [];
  const isProduction = raw.NODE_ENV === "production";
  if (isProduction && !raw.SECRETS_KEY) problems.push("SECRETS_KEY: required when NODE_ENV=production");
  if (isProduction && !raw.SMTP_URL)
    problems.push("SMTP_URL: required when NODE_ENV=production (the dev outbox is not for production)");
  if (raw.MICROSOFT_CLIENT_ID && !raw.MICROSOFT_CLIENT_SECRET) {
    problems.push("MICROSOFT_CLIENT_SECRET: required when MICROSOFT_CLIENT_ID is set");
  }
  if (raw.EXTRA_CA_FILE && !existsSync(raw.EXTRA_CA_FILE))
    problems.push("EXTRA_CA_FILE: file does not exist");
  if (problems.length > 0) throw new ConfigError(problems);

  const usesM365Emulator =
    raw.M365_EMULATOR === "on" || (raw.M365_EMULATOR === "auto" && !raw.MICROSOFT_CLIENT_ID);
  return {
    ...raw,
    dataDir: path.resolve(raw.DATA_DIR),
    publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ""),
    isProduction,
    isSmtpConfigured: Boolean(raw.SMTP_URL),
    usesEmbeddedPostgres: !raw.DATABASE_URL,
    usesM365Emulator,
  };
}

/** Loads `.env` from the working directory, if present, without overriding the real environment. */
export function loadDotEnv(file = ".env"): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
