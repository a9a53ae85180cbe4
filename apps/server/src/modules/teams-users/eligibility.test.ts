import { describe, expect, it } from "vitest";
import { DIRECT_ROUTING_ACTIVATION_ACCOUNT, eligibilityOf, TEAMS_PHONE_PLAN_ID } from "./microsoft-voice.js";

const teamsPhone = [{ servicePlanId: TEAMS_PHONE_PLAN_ID, capabilityStatus: "Enabled" }];

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
