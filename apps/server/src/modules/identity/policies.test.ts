import { describe, expect, it } from "vitest";
import { losesLastAdmin, mayHavePartners, maySignIn, mustEnrolTwoFactor, roleAllows } from "./policies.js";

describe("identity policies", () => {
  it("grants each role exactly its permissions", () => {
    expect(roleAllows("Admin", "manage-users")).toBe(true);
    expect(roleAllows("User", "write")).toBe(true);
    expect(roleAllows("User", "manage-users")).toBe(false);
    expect(roleAllows("Read-only", "read")).toBe(true);
    expect(roleAllows("Read-only", "write")).toBe(false);
  });

  const admin = { role: "Admin" as const, status: "active" as const };
  it("protects the last active Admin", () => {
    expect(losesLastAdmin(admin, { role: "User", status: "active" }, 0)).toBe(true);
    expect(losesLastAdmin(admin, { role: "Admin", status: "disabled" }, 0)).toBe(true);
    expect(losesLastAdmin(admin, null, 0)).toBe(true);
    expect(losesLastAdmin(admin, null, 1)).toBe(false);
    expect(losesLastAdmin(admin, { role: "Admin", status: "active" }, 0)).toBe(false);
    expect(losesLastAdmin({ role: "User", status: "active" }, null, 0)).toBe(false);
    expect(losesLastAdmin({ role: "Admin", status: "invited" }, null, 0)).toBe(false);
  });
  it("allows partners below operators and partners only", () => {
    expect(mayHavePartners({ kind: "operator" })).toBe(true);
    expect(mayHavePartners({ kind: "partner" })).toBe(true);
    expect(mayHavePartners({ kind: "enterprise" })).toBe(false);
  });
  it("lets only active users of active accounts sign in", () => {
    expect(maySignIn(admin, { status: "active" })).toBe(true);
    expect(maySignIn(admin, { status: "suspended" })).toBe(false);
    expect(maySignIn({ role: "User", status: "invited" }, { status: "active" })).toBe(false);
  });
  it("requires enrolment only when the account demands it and the user has none", () => {
    expect(mustEnrolTwoFactor({ requireTwoFactor: true }, { totpEnabledAt: null })).toBe(true);
    expect(mustEnrolTwoFactor({ requireTwoFactor: true }, { totpEnabledAt: new Date() })).toBe(false);
    expect(mustEnrolTwoFactor({ requireTwoFactor: false }, { totpEnabledAt: null })).toBe(false);
  });
});
