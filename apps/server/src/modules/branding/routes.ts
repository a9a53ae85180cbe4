import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { Problem, problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { brandRepository } from "./repository.js";
import { brandingService, LOGO_MAX_BYTES, LOGO_TYPES } from "./service.js";

const nullableText = { portalName: z.string().nullable(), primaryColor: z.string().nullable() };
const effectiveSchema = z
  .object({
    ...nullableText,
    portalName: z.string(),
    supportEmail: z.string().nullable(),
    supportUrl: z.string().nullable(),
    mailSenderName: z.string().nullable(),
    mailSenderAddress: z.string().nullable(),
    logoUrl: z.string().nullable(),
  })
  .meta({ id: "EffectiveBrand" });
const ownSchema = z
  .object({
    ...nullableText,
    supportEmail: z.string().nullable(),
    supportUrl: z.string().nullable(),
    mailSenderName: z.string().nullable(),
    mailSenderAddress: z.string().nullable(),
    logoUrl: z.string().nullable(),
    hosts: z.array(z.string()),
  })
  .meta({ id: "OwnBrand" });
const brandPair = z.object({ effective: effectiveSchema, own: ownSchema });

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), schema.nullable());
const email = (message: string) => optional(text(254).trim().pipe(z.email(message)));
const hostName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, {
    message: "Enter a host name such as portal.example.com.",
  });

const body = z.object({
  portalName: optional(text(80).trim()),
  primaryColor: optional(
    z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: "Enter a colour as #RRGGBB, e.g. #1c7ed6." }),
  ),
  supportEmail: email("Enter a valid support email address."),
  supportUrl: optional(
    text(2000)
      .trim()
      .regex(/^https?:\/\/[^\s]+$/i, { message: "Enter a URL starting with https:// or http://." }),
  ),
  mailSenderName: optional(text(80).trim()),
  mailSenderAddress: email("Enter a valid sender email address."),
  hosts: z.array(hostName).max(20, "At most 20 host names.").default([]),
  logo: z
    .object({
      contentType: z.enum(LOGO_TYPES, { error: "The logo must be a PNG or SVG file." }),
      dataBase64: z.string().max(Math.ceil((LOGO_MAX_BYTES * 4) / 3) + 8, "The logo must be at most 200 KB."),
    })
    .nullable()
    .optional()
    .describe("Omit to keep the current logo; null removes it. PNG or SVG, at most 200 KB, base64."),
});

const params = z.object({ accountId: uuid() });
const admins = { config: { access: { kind: "account" as const, permission: "administer" as const } } };
const tags = ["branding"];

/** Settings › Branding and the public brand of the sign-in page (modules/branding/README.md). */
export function brandingRoutes(deps: {
  db: Database;
  config: { PORTAL_NAME: string };
}): FastifyPluginAsyncZod {
  const service = brandingService({ ...deps, brands: brandRepository(deps.db) });
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/brand",
      {
        ...admins,
        schema: {
          tags,
          operationId: "getBrand",
          description:
            "The account's effective brand (inherited field by field) and the fields it sets itself.",
          params,
          response: { 200: brandPair },
        },
      },
      async (request) => service.read(targetAccountOf(request)),
    );

    app.get(
      "/api/accounts/:accountId/brand/effective",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags,
          operationId: "getEffectiveBrand",
          description: "The brand the portal shows to the users of this account (every role may read it).",
          params,
          response: { 200: effectiveSchema },
        },
      },
      async (request) => service.effectiveFor(targetAccountOf(request).path),
    );

    app.put(
      "/api/accounts/:accountId/brand",
      {
        ...admins,
        bodyLimit: 512 * 1024,
        schema: {
          tags,
          operationId: "updateBrand",
          description:
            "Sets the account's own brand (partners and the operator); an empty field is inherited from above. Host names are unique across accounts (409).",
          params,
          body,
          response: { 200: brandPair, 400: problemSchema, 409: problemSchema },
        },
      },
      async (request) => {
        const account = targetAccountOf(request);
        if (account.kind === "enterprise")
          throw Problem.forbidden("Only partners and the operator have a brand.");
        return service.save(account, request.body, requestAuditContext(request));
      },
    );

    app.get(
      "/api/brand",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags,
          operationId: "getPublicBrand",
          description:
            "The brand of the sign-in page: that of the account `host` (default: the request's Host) is mapped to, else the portal's defaults.",
          querystring: z.object({ host: text(253).optional() }),
          response: { 200: effectiveSchema },
        },
      },
      async (request) => service.forHost(request.query.host ?? request.host),
    );

    app.get(
      "/api/brand/logo/:accountId",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags,
          operationId: "getBrandLogo",
          description:
            "An account's logo. The URL carries the logo's hash (`v`), so it may be cached for good.",
          params,
          querystring: z.object({ v: text(64).optional() }),
          response: { 200: z.any(), 404: problemSchema },
        },
      },
      async (request, reply) => {
        const logo = await service.logo(request.params.accountId);
        if (!logo) throw Problem.notFound("No logo.");
        return (
          reply
            .header("content-type", logo.contentType)
            .header(
              "cache-control",
              request.query.v === logo.hash ? "public, max-age=31536000, immutable" : "no-cache",
            )
            // An SVG may hold scripts: never run them, whoever opens the URL.
            .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
            .send(logo.logo)
        );
      },
    );
  };
}
