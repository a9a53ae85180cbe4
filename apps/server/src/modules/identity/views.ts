import { z } from "zod";

/** A portal user as the API shows it (never hashes or secrets). */
export const portalUserView = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    name: z.string(),
    email: z.string(),
    role: z.enum(["Admin", "User", "Read-only"]),
    status: z.enum(["invited", "active", "disabled"]),
    twoFactorEnabled: z.boolean(),
    lastSignInAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "PortalUser" });
