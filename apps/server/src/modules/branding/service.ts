import { createHash } from "node:crypto";
import type { Database, Executor } from "../../db/client.js";
import { Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { tenantScope } from "../tenancy/index.js";
import type { BrandRepository } from "./repository.js";
import type { BrandRow } from "./schema.js";

export const LOGO_MAX_BYTES = 200 * 1024;
export const LOGO_TYPES = ["image/png", "image/svg+xml"] as const;

const TEXT_FIELDS = [
  "portalName",
  "primaryColor",
  "supportEmail",
  "supportUrl",
  "mailSenderName",
  "mailSenderAddress",
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** What an Admin sets; a null field is not set here (inherited). `logo` undefined keeps the current one. */
export type BrandInput = Record<TextField, string | null> & {
  hosts: string[];
  logo?: { contentType: (typeof LOGO_TYPES)[number]; dataBase64: string } | null;
};

export type OwnBrand = Record<TextField, string | null> & { hosts: string[]; logoUrl: string | null };
export type EffectiveBrand = Record<TextField, string | null> & {
  portalName: string;
  logoUrl: string | null;
};

type AccountRef = { id: string; path: string };

export const logoUrlOf = (row: Pick<BrandRow, "accountId" | "logoHash">) =>
  row.logoHash ? `/api/brand/logo/${row.accountId}?v=${row.logoHash}` : null;

/** Field by field, the nearest brand up the tree (the account itself first) that sets the field. */
export function mergeBrands(chainRootFirst: BrandRow[], defaultPortalName: string): EffectiveBrand {
  const nearestFirst = [...chainRootFirst].reverse();
  const pick = (field: TextField) => nearestFirst.find((b) => b[field] !== null)?.[field] ?? null;
  const withLogo = nearestFirst.find((b) => b.logoHash !== null);
  return {
    portalName: pick("portalName") ?? defaultPortalName,
    primaryColor: pick("primaryColor"),
    supportEmail: pick("supportEmail"),
    supportUrl: pick("supportUrl"),
    mailSenderName: pick("mailSenderName"),
    mailSenderAddress: pick("mailSenderAddress"),
    logoUrl: withLogo ? logoUrlOf(withLogo) : null,
  };
}

function decodeLogo(logo: NonNullable<BrandInput["logo"]>) {
  const bytes = Buffer.from(logo.dataBase64, "base64");
  if (bytes.length === 0) throw Problem.field("logo", "Choose a PNG or SVG file.");
  if (bytes.length > LOGO_MAX_BYTES) throw Problem.field("logo", "The logo must be at most 200 KB.");
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const svg = /<svg[\s>]/i.test(bytes.subarray(0, 4096).toString("utf8"));
  if (logo.contentType === "image/png" ? !png : !svg) {
    throw Problem.field("logo", "The file is not a PNG or SVG image.");
  }
  return {
    logo: bytes,
    logoContentType: logo.contentType,
    logoHash: createHash("sha256").update(bytes).digest("hex").slice(0, 16),
  };
}

export function brandingService(deps: {
  db: Database;
  brands: BrandRepository;
  config: { PORTAL_NAME: string };
}) {
  const { brands } = deps;

  async function effectiveFor(path: string, tx: Executor = deps.db) {
    return mergeBrands(await brands.chain(path, tx), deps.config.PORTAL_NAME);
  }

  async function own(account: AccountRef, tx: Executor = deps.db): Promise<OwnBrand> {
    const scope = tenantScope(account);
    const row = await brands.own(scope, tx);
    const hosts = await brands.hostsOf(scope, tx);
    const field = (f: TextField) => row?.[f] ?? null;
    return {
      portalName: field("portalName"),
      primaryColor: field("primaryColor"),
      supportEmail: field("supportEmail"),
      supportUrl: field("supportUrl"),
      mailSenderName: field("mailSenderName"),
      mailSenderAddress: field("mailSenderAddress"),
      hosts,
      logoUrl: row ? logoUrlOf(row) : null,
    };
  }

  return {
    effectiveFor,
    own,

    async read(account: AccountRef) {
      return { effective: await effectiveFor(account.path), own: await own(account) };
    },

    async save(account: AccountRef, input: BrandInput, audit: AuditContext) {
      const scope = tenantScope(account);
      const hosts = [...new Set(input.hosts.map((h) => h.toLowerCase()))];
      const logo = input.logo
        ? decodeLogo(input.logo)
        : input.logo === null
          ? { logo: null, logoContentType: null, logoHash: null }
          : {};
      await deps.db.transaction(async (tx) => {
        const taken = await brands.takenHosts(scope, hosts, tx);
        if (taken.length > 0) {
          throw Problem.conflict(
            "A host name is already used by another account.",
            taken.map((host) => ({
              field: `hosts.${hosts.indexOf(host)}`,
              message: `${host} is already in use.`,
            })),
          );
        }
        const before = await own(account, tx);
        const values = Object.fromEntries(TEXT_FIELDS.map((f) => [f, input[f]])) as Record<
          TextField,
          string | null
        >;
        await brands.save(scope, { ...values, ...logo }, tx);
        await brands.replaceHosts(scope, hosts, tx);
        await recordAudit(tx, audit, {
          action: "brand.update",
          accountId: account.id,
          targetType: "brand",
          targetId: account.id,
          before,
          after: await own(account, tx),
        });
      });
      return { effective: await effectiveFor(account.path), own: await own(account) };
    },

    /** The sign-in page's brand: the account the host name is mapped to, else the defaults. */
    async forHost(host: string | undefined) {
      const name = host?.toLowerCase().replace(/:\d+$/, "");
      const account = name ? await brands.accountOfHost(name) : undefined;
      return mergeBrands(account ? await brands.chain(account.path) : [], deps.config.PORTAL_NAME);
    },

    /** The effective brand of any account, by id (emails; unscoped: the recipient's own account). */
    async forAccount(accountId: string, tx: Executor = deps.db) {
      const path = await brands.accountPath(accountId, tx);
      return path ? effectiveFor(path, tx) : undefined;
    },

    /** What emails to a user of `accountId` print: each field null when no brand up the tree sets it. */
    async mailBrandOf(accountId: string, tx: Executor = deps.db) {
      const path = await brands.accountPath(accountId, tx);
      if (!path) return null;
      const brand = mergeBrands(await brands.chain(path, tx), "");
      return {
        portalName: brand.portalName || null,
        sender: { name: brand.mailSenderName, address: brand.mailSenderAddress },
      };
    },

    logo: (accountId: string) => brands.logo(accountId),
  };
}

export type BrandingService = ReturnType<typeof brandingService>;
