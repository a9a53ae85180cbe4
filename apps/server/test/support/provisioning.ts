import { fileURLToPath } from "node:url";
import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import type { Database } from "../../src/db/client.js";
import { enterprises } from "../../src/modules/enterprises/schema.js";
import { sbcRegions } from "../../src/modules/operator-settings/schema.js";
import { teamsProfiles } from "../../src/modules/teams-profiles/schema.js";
import { teamsUsers } from "../../src/modules/teams-users/schema.js";
import type { Account } from "../../src/modules/tenancy/schema.js";
import type { SignedInUser } from "./factories.js";
import { configureOperator, onboardEnterprise, playConsent } from "./onboarding.js";
import type { TestApp } from "./test-app.js";

import { waitFor } from "./wait-for.js";

export { waitFor };

/** The emulator's `pwsh` stand-in (PWSH_PATH for tests). */
export function pwshStandInPath(): string {
  return fileURLToPath(
    new URL("../../../../packages/m365-emulator/bin/m365-emulator-pwsh.js", import.meta.url),
  );
}

/**
 * Operator regions, a partner's enterprise with trunk and Teams profiles, consent from the Contoso Global
 * Administrator, and a completed Direct Routing setup: the state guide 002 starts from.
 */
export async function connectedContoso(
  t: TestApp,
  emulator: StartedEmulator,
  tree: { operator: Account; partner: Account },
  operatorAdmin: SignedInUser,
  partnerUser: SignedInUser,
) {
  const regions = await configureOperator(t, tree.operator, operatorAdmin);
  const enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "contoso");
  const connect = await t.app.inject({
    method: "POST",
    url: `/api/accounts/${enterpriseId}/microsoft/connect`,
    headers: partnerUser.headers,
  });
  if (connect.statusCode !== 200) throw new Error(connect.body);
  await playConsent(t, emulator, connect.json().authorizeUrl, {
    login: `admin@${DEMO_TENANTS.contoso.domain}`,
    password: DEMO_PASSWORDS.admin,
  });
  await waitFor("setup completed", async () => {
    const body = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
        headers: partnerUser.headers,
      })
    ).json();
    if (body.status === "failed") throw new Error(JSON.stringify(body));
    return body.status === "completed";
  });
  return { enterpriseId, regions };
}

/** An enterprise with a Teams profile and synced users written directly (no Microsoft connection). */
export async function enterpriseWithSyncedUsers(db: Database, enterprise: Account, count: number) {
  const [region] = await db
    .insert(sbcRegions)
    .values({ name: `Region ${enterprise.id.slice(0, 8)}`, sbcFqdns: ["sbc.example.net"], sipPort: 5061 })
    .returning();
  await db.insert(enterprises).values({
    accountId: enterprise.id,
    adminName: "Casey",
    adminEmail: "casey@example.test",
    regionIds: [region!.id],
    services: ["teams-direct-routing"],
    userLimit: 100_000,
  });
  await db.insert(teamsProfiles).values({
    enterpriseAccountId: enterprise.id,
    pbxLocations: [{ name: "PBX", pbx: "pbx.example.test" }],
    regionIds: [region!.id],
    defaultRegionId: region!.id,
    pstnUsage: "s2t",
    dialPlanName: "s2t",
    normalizationRules: [],
  });
  const rows = Array.from({ length: count }, (_, i) => ({
    enterpriseAccountId: enterprise.id,
    objectId: crypto.randomUUID(),
    userPrincipalName: `user${String(i).padStart(5, "0")}@contoso.example`,
    displayName: `User ${i}`,
    eligible: i % 10 !== 9,
    hasTeamsPhone: i % 10 !== 9,
    ineligibleReason: i % 10 !== 9 ? null : "No Teams Phone licence",
  }));
  for (let i = 0; i < rows.length; i += 1000) await db.insert(teamsUsers).values(rows.slice(i, i + 1000));
  return { region: region!, users: rows };
}
