import { hashSeed, seededRandom } from "./random.js";
import type { ScenarioUser } from "./schema.js";

const FIRST = [
  "Ada",
  "Alan",
  "Grace",
  "Linus",
  "Margaret",
  "Dennis",
  "Barbara",
  "Ken",
  "Frances",
  "Edsger",
  "Radia",
  "Tim",
  "Hedy",
  "Claude",
  "Karen",
  "John",
  "Sophie",
  "Donald",
  "Shafi",
  "Leslie",
  "Annie",
  "Vint",
  "Katherine",
  "Niklaus",
];
const LAST = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Ritchie",
  "Liskov",
  "Thompson",
  "Allen",
  "Dijkstra",
  "Perlman",
  "Berners",
  "Lamarr",
  "Shannon",
  "Jones",
  "McCarthy",
  "Wilson",
  "Knuth",
  "Goldwasser",
  "Lamport",
  "Easley",
  "Cerf",
  "Johnson",
  "Wirth",
];
const DEPARTMENTS = ["Sales", "Support", "Finance", "Engineering", "Operations", "Marketing"];
const USAGE_LOCATIONS = ["US", "GB", "DE", "FR", "NL", "AU"];

export type GeneratedCategory =
  | "teamsPhone"
  | "e5"
  | "unlicensed"
  | "disabledTeamsPhone"
  | "disabledUnlicensed"
  | "resourceAccount"
  | "noUsageLocation";

/**
 * The repeating 24-slot mix of generated users. Counts for N users follow from it exactly:
 * per 24 users, 10 MCOEV (with the Teams licence it needs, Microsoft_Teams_Enterprise_New), 4 SPE_E5, 5 unlicensed, 1 disabled MCOEV, 1 disabled unlicensed,
 * 2 resource accounts (PHONESYSTEM_VIRTUALUSER) and 1 unlicensed user without usageLocation.
 */
/** The Teams licence that Teams Phone (MCOEV) users also hold: without the Teams service (TEAMS1) MCOEV is unusable. */
export const TEAMS_LICENCE = "Microsoft_Teams_Enterprise_New";

export const GENERATED_USER_MIX: readonly GeneratedCategory[] = [
  ...Array<GeneratedCategory>(10).fill("teamsPhone"),
  ...Array<GeneratedCategory>(4).fill("e5"),
  ...Array<GeneratedCategory>(5).fill("unlicensed"),
  "disabledTeamsPhone",
  "disabledUnlicensed",
  "resourceAccount",
  "resourceAccount",
  "noUsageLocation",
];

export function generatedCategory(index: number): GeneratedCategory {
  return GENERATED_USER_MIX[index % GENERATED_USER_MIX.length] as GeneratedCategory;
}

/** How many of `count` generated users fall in each category. */
export function generatedUserCounts(count: number): Record<GeneratedCategory, number> {
  const counts: Record<GeneratedCategory, number> = {
    teamsPhone: 0,
    e5: 0,
    unlicensed: 0,
    disabledTeamsPhone: 0,
    disabledUnlicensed: 0,
    resourceAccount: 0,
    noUsageLocation: 0,
  };
  for (let i = 0; i < count; i++) counts[generatedCategory(i)]++;
  return counts;
}

/** Generates `count` users on `domain` with a realistic, deterministic mix (see GENERATED_USER_MIX). */
export function generateUsers(
  domain: string,
  count: number,
  seed = hashSeed(domain),
  startIndex = 0,
): ScenarioUser[] {
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const users: ScenarioUser[] = [];
  for (let n = 0; n < count; n++) {
    const i = startIndex + n;
    const category = generatedCategory(i);
    const first = pick(FIRST);
    const last = pick(LAST);
    const usageLocation = pick(USAGE_LOCATIONS);
    const seq = String(i + 1).padStart(5, "0");
    if (category === "resourceAccount") {
      const kind = i % 2 === 0 ? "Auto Attendant" : "Call Queue";
      users.push({
        userPrincipalName: `ra-${kind === "Auto Attendant" ? "aa" : "cq"}-${seq}@${domain}`,
        displayName: `${kind} ${seq}`,
        givenName: null,
        surname: null,
        jobTitle: null,
        department: null,
        password: `Ra-${seq}-Pass!`,
        accountEnabled: false,
        usageLocation,
        licenses: ["PHONESYSTEM_VIRTUALUSER"],
        directoryRoles: [],
        resourceAccount: true,
      });
      continue;
    }
    const licenses =
      category === "teamsPhone" || category === "disabledTeamsPhone"
        ? ["MCOEV", TEAMS_LICENCE]
        : category === "e5"
          ? ["SPE_E5"]
          : [];
    users.push({
      userPrincipalName: `${first}.${last}.${seq}@${domain}`.toLowerCase(),
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      jobTitle: category === "e5" ? "Manager" : "Agent",
      department: pick(DEPARTMENTS),
      password: `User-${seq}-Pass!`,
      accountEnabled: !category.startsWith("disabled"),
      usageLocation: category === "noUsageLocation" ? null : usageLocation,
      licenses,
      directoryRoles: [],
      resourceAccount: false,
    });
  }
  return users;
}
