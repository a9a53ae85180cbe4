import { describe, expect, it } from "vitest";
import { childPath, reaches, roleAllows } from "./policies.js";

describe("tenancy policies", () => {
  it("grants each role exactly its permissions", () => {
    expect(roleAllows("Admin", "manage-users")).toBe(true);
    expect(roleAllows("User", "write")).toBe(true);
    expect(roleAllows("User", "manage-users")).toBe(false);
    expect(roleAllows("Read-only", "read")).toBe(true);
    expect(roleAllows("Read-only", "write")).toBe(false);
  });

  it("reaches the own account and descendants only", () => {
    const operator = { path: "/op/" };
    const partner = { path: childPath(operator, "p1") };
    const sibling = { path: childPath(operator, "p2") };
    const enterprise = { path: childPath(partner, "e1") };
    expect(reaches(partner, partner)).toBe(true);
    expect(reaches(partner, enterprise)).toBe(true);
    expect(reaches(partner, operator)).toBe(false);
    expect(reaches(partner, sibling)).toBe(false);
    expect(reaches(sibling, enterprise)).toBe(false);
  });
});
