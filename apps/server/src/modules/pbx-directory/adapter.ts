import { z } from "zod";

/** One PBX user, as every directory adapter returns it. */
export interface PbxUser {
  extension: string;
  name: string;
  defaultCallerId: string | null;
}

/** A PBX directory: reads the PBX's users. One implementation per kind of PBX API. */
export interface PbxDirectoryAdapter {
  listUsers(signal?: AbortSignal): Promise<PbxUser[]>;
}

/**
 * The JSON contract of the HTTP adapter: `GET {baseUrl}/users` (with `Authorization: Bearer <token>` when a
 * token is configured) answers 200 with this document. The same document can be uploaded directly.
 */
export const pbxDirectoryDocument = z
  .object({
    users: z
      .array(
        z.object({
          extension: z
            .string()
            .trim()
            .min(1)
            .max(32)
            .describe("The PBX extension (the SIP User of Add User)."),
          name: z.string().trim().max(200).describe("The user's name on the PBX."),
          defaultCallerId: z
            .string()
            .trim()
            .max(32)
            .nullable()
            .optional()
            .describe("The user's default caller ID, E.164 (e.g. +14255557201), or null."),
        }),
      )
      .max(100_000),
  })
  .meta({
    id: "PbxDirectoryDocument",
    description:
      "An enterprise's PBX users. The HTTP directory adapter reads it from GET {baseUrl}/users (Accept: " +
      "application/json, Authorization: Bearer <token> when configured; any status but 200 is a failed sync).",
  });
export type PbxDirectoryDocument = z.infer<typeof pbxDirectoryDocument>;

/** A directory answer that does not follow the contract, or a PBX that did not answer. */
export class DirectoryReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DirectoryReadError";
  }
}

const TIMEOUT_MS = 15_000;

/** The HTTP adapter: the contract above, over HTTP(S). */
export function httpDirectoryAdapter(baseUrl: string, bearerToken: string | null): PbxDirectoryAdapter {
  return {
    async listUsers(signal) {
      const url = `${baseUrl.replace(/\/+$/, "")}/users`;
      const headers: Record<string, string> = { accept: "application/json" };
      if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
      let response: Response;
      try {
        response = await fetch(url, {
          headers,
          redirect: "error",
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)])
            : AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        throw new DirectoryReadError(
          `The PBX directory at ${url} did not answer (${(error as Error).message}).`,
        );
      }
      if (response.status !== 200)
        throw new DirectoryReadError(`The PBX directory at ${url} answered HTTP ${response.status}.`);
      const body: unknown = await response.json().catch(() => undefined);
      const parsed = pbxDirectoryDocument.safeParse(body);
      if (!parsed.success)
        throw new DirectoryReadError(
          `The PBX directory at ${url} answered a document that is not the PbxDirectoryDocument contract (${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message}).`,
        );
      return parsed.data.users.map((u) => ({
        extension: u.extension,
        name: u.name,
        defaultCallerId: u.defaultCallerId ?? null,
      }));
    },
  };
}
