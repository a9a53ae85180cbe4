import { describe, expect, it } from "vitest";
import { childPath, reaches } from "./policies.js";

describe("tenancy policies", () => {
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
