import { describe, expect, it } from "vitest";
import {
  activationLicenceFinding,
  dnsFinding,
  missingAppRoles,
  missingIdentities,
  REQUIRED_APP_ROLES,
} from "./policies.js";

describe("preflight policies", () => {
  it("names the application permissions the tenant has not granted", () => {
    expect(missingAppRoles([...REQUIRED_APP_ROLES])).toEqual([]);
    expect(missingAppRoles(["user.readwrite.all"])).toContain("Domain.ReadWrite.All");
    expect(missingAppRoles([])).toHaveLength(REQUIRED_APP_ROLES.length);
  });

  it("an activation account with Teams Phone Standard alone is a warning, none is a failure", () => {
    expect(activationLicenceFinding([]).status).toBe("failed");
    expect(activationLicenceFinding(["MCOEV"])).toMatchObject({ status: "warning" });
    expect(activationLicenceFinding(["SPE_E5"]).status).toBe("ok");
    expect(activationLicenceFinding(["MCOEV", "SPE_E5"]).status).toBe("ok");
  });

  it("the trunk FQDN must resolve only to the SBC", () => {
    const sbc = { type: "address" as const, addresses: ["192.0.2.10"] };
    expect(dnsFinding("a.example", sbc, []).ok).toBe(false);
    expect(dnsFinding("a.example", sbc, ["192.0.2.10"]).ok).toBe(true);
    expect(dnsFinding("a.example", sbc, ["192.0.2.10", "198.51.100.1"])).toMatchObject({
      ok: false,
      detail: expect.stringContaining("198.51.100.1"),
    });
    expect(dnsFinding("a.example", { type: "CNAME", target: "SBC.example." }, ["sbc.example"]).ok).toBe(true);
  });

  it("matches configuration identities case-insensitively, with or without Tag:", () => {
    expect(missingIdentities(["Tag:S2T-A", "s2t-b"], ["s2t-a", "s2t-b", "s2t-c"])).toEqual(["s2t-c"]);
  });
});
