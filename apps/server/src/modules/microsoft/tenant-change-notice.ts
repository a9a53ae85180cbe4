import type { Database } from "../../db/client.js";
import { userDirectory } from "../identity/index.js";
import { composeMail, type Mailer } from "../mail/index.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import { consentRepository } from "./consent-repository.js";
import type { MicrosoftDeps } from "./runtime.js";

/** Tells every active Admin of the enterprise that its Microsoft 365 tenant was replaced, and by whom. */
export async function notifyTenantReplaced(
  deps: MicrosoftDeps & { db: Database; mailer: Mailer },
  change: { enterpriseAccountId: string; from: string; to: string; by: string | null },
): Promise<void> {
  const enterpriseName = await consentRepository(deps.db).enterpriseName(change.enterpriseAccountId);
  const admins = (await userDirectory(deps.db).listInAccount(change.enterpriseAccountId)).filter(
    (user) => user.role === "Admin" && user.status === "active",
  );
  const portalName = (await effectiveOperatorSettings(deps)).portalDisplayName;
  for (const admin of admins) {
    await deps.mailer.send(
      composeMail({
        to: admin.email,
        subject: `${enterpriseName ?? "Your enterprise"}: the Microsoft 365 tenant was replaced`,
        portalName,
        paragraphs: [
          `Hello ${admin.name},`,
          `${enterpriseName ?? "Your enterprise"} is now connected to the Microsoft 365 tenant ${change.to}, instead of ${change.from}.`,
          `The change was requested by ${change.by ?? "a portal Admin"} with "Connect a different Microsoft 365 tenant" and approved by a Global Admin of ${change.to}.`,
          "If you did not expect this, contact your telephony provider at once.",
        ],
        links: [],
      }),
    );
  }
}
