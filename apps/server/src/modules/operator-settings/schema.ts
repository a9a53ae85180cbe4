import { sql } from "drizzle-orm";
import { integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The operator's platform settings: one row (`id = 'default'`). Every Microsoft field is an override:
 * null means "use the configuration" (Microsoft's endpoints, or the emulator's in the zero-setup default).
 */
export const operatorSettings = pgTable("operator_settings", {
  id: text("id").primaryKey().default("default"),
  sbcBaseDomain: text("sbc_base_domain"),
  portalDisplayName: text("portal_display_name"),
  publisher: text("publisher"),
  appClientId: text("app_client_id"),
  /** Sealed with the secret box (AES-256-GCM); never returned by the API. */
  appClientSecretSealed: text("app_client_secret_sealed"),
  /** Certificate credential instead of the secret: the public certificate (PEM) registered with the app… */
  appCertificatePem: text("app_certificate_pem"),
  /** …and its private key (PEM), sealed with the secret box; never returned by the API. */
  appPrivateKeySealed: text("app_private_key_sealed"),
  loginUrl: text("login_url"),
  graphUrl: text("graph_url"),
  teamsAdminUrl: text("teams_admin_url"),
  /** SKU id of the Teams Phone licence given to activation users (default: Teams Phone Standard, MCOEV). */
  teamsPhoneSkuId: text("teams_phone_sku_id"),
  /**
   * `manual` (the operator publishes records), `emulator` (the M365 emulator's control API) or `rfc2136`
   * (dynamic updates with TSIG to the zone's primary server, configured below).
   */
  dnsAdapter: text("dns_adapter"),
  dnsServer: text("dns_server"),
  dnsPort: integer("dns_port"),
  dnsZone: text("dns_zone"),
  dnsTsigKeyName: text("dns_tsig_key_name"),
  /** `hmac-sha256` or `hmac-sha512`. */
  dnsTsigAlgorithm: text("dns_tsig_algorithm"),
  /** The TSIG secret (base64), sealed with the secret box; never returned by the API. */
  dnsTsigSecretSealed: text("dns_tsig_secret_sealed"),
  /** What the derived trunk FQDN points at: `address` (A/AAAA to `trunkRecordAddresses`) or `CNAME`. */
  trunkRecordType: text("trunk_record_type"),
  trunkRecordAddresses: text("trunk_record_addresses").array(),
  trunkRecordCname: text("trunk_record_cname"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The operator's SBC regions, e.g. "CA Central" with its SBC FQDNs and SIP signalling port. */
export const sbcRegions = pgTable(
  "sbc_regions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    sbcFqdns: text("sbc_fqdns").array().notNull(),
    sipPort: integer("sip_port").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("sbc_regions_name_idx").on(sql`lower(${table.name})`)],
);

export type OperatorSettingsRow = typeof operatorSettings.$inferSelect;
export type SbcRegion = typeof sbcRegions.$inferSelect;
