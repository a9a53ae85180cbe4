import { describe, expect, it } from "vitest";
import {
  DIRECT_ROUTING_ACTIVATION_ACCOUNT,
  eligibilityOf,
  NO_TEAMS_LICENCE,
  syncEligibility,
  TEAMS_PHONE_PLAN_ID,
  TEAMS_SERVICE_PLAN_ID,
  UNUSABLE_ACCOUNT_TYPES,
} from "./eligibility.js";

const teamsPhone = [{ servicePlanId: TEAMS_PHONE_PLAN_ID, capabilityStatus: "Enabled" }];
const teamsPhoneAndTeams = [
  ...teamsPhone,
  { servicePlanId: TEAMS_SERVICE_PLAN_ID, capabilityStatus: "Enabled" },
];

describe("eligibility of a synced Teams user", () => {
  it("offers a licensed, enabled member of the tenant", () => {
    expect(
      eligibilityOf({ id: "1", userPrincipalName: "ann@contoso.example", assignedPlans: teamsPhone }),
    ).toEqual({ eligible: true, reason: null, hasTeamsPhone: true });
  });

  it("never offers the Direct Routing activation account, whatever its licences", () => {
    const activation = eligibilityOf({
      id: "2",
      userPrincipalName: "Teams-Activation@acme.customers.sbc.example.net",
      assignedPlans: teamsPhone,
    });
    expect(activation).toMatchObject({ eligible: false, reason: DIRECT_ROUTING_ACTIVATION_ACCOUNT });
  });
});

describe("eligibility as the sync stores it (Teams must serve the user)", () => {
  const ann = { id: "3", userPrincipalName: "ann@contoso.example" };

  it("offers a user with Teams Phone and the Teams service (TEAMS1)", () => {
    expect(syncEligibility({ ...ann, assignedPlans: teamsPhoneAndTeams }, "user")).toEqual({
      eligible: true,
      reason: null,
      hasTeamsPhone: true,
    });
  });

  it("refuses Teams Phone without the Teams service plan, and a disabled TEAMS1 plan", () => {
    expect(syncEligibility({ ...ann, assignedPlans: teamsPhone })).toEqual({
      eligible: false,
      reason: NO_TEAMS_LICENCE,
      hasTeamsPhone: true,
    });
    const suspended = [
      ...teamsPhone,
      { servicePlanId: TEAMS_SERVICE_PLAN_ID, capabilityStatus: "Suspended" },
    ];
    expect(syncEligibility({ ...ann, assignedPlans: suspended }).reason).toBe(NO_TEAMS_LICENCE);
  });

  it("refuses accountType sfbOnPremUser and ineligibleUser, each with its reason", () => {
    for (const type of ["sfbOnPremUser", "ineligibleUser"]) {
      expect(syncEligibility({ ...ann, assignedPlans: teamsPhoneAndTeams }, type)).toEqual({
        eligible: false,
        reason: UNUSABLE_ACCOUNT_TYPES[type],
        hasTeamsPhone: true,
      });
    }
  });

  it("keeps the user's own reason first (no Teams Phone licence beats no Teams licence)", () => {
    expect(syncEligibility({ ...ann, assignedPlans: [] }, "sfbOnPremUser").reason).toBe(
      "No Teams Phone licence",
    );
  });
});
