import type { Database } from "../../db/client.js";
import { connectedTenant } from "../microsoft/index.js";
import { findTeamsProfile } from "../teams-profiles/index.js";
import { findTrunkProfile } from "../trunks/index.js";

/** What the setup needs before it can start, or a sentence saying what is missing. */
export async function setupPrerequisites(db: Database, enterpriseAccountId: string) {
  const connection = await connectedTenant(db, enterpriseAccountId);
  const trunk = await findTrunkProfile(db, enterpriseAccountId);
  const teams = await findTeamsProfile(db, enterpriseAccountId);
  const missing = [
    ...(trunk ? [] : ["a trunk profile"]),
    ...(teams ? [] : ["a Teams profile"]),
    ...(connection ? [] : ["the customer's Microsoft Teams connection"]),
  ];
  return { connection, trunk, teams, missing };
}
