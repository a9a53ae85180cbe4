import { describe, expect, it } from "vitest";
import { compileFilter } from "../src/graph/odata-filter.js";

const users = [
  {
    id: "1",
    displayName: "Ada O'Neil",
    accountEnabled: true,
    usageLocation: "US",
    assignedLicenses: [{ skuId: "a" }],
    tags: ["x"],
  },
  {
    id: "2",
    displayName: "Alan",
    accountEnabled: false,
    usageLocation: null,
    assignedLicenses: [],
    tags: [],
  },
  {
    id: "3",
    displayName: "Grace",
    accountEnabled: true,
    usageLocation: "GB",
    assignedLicenses: [{ skuId: "b" }],
    tags: ["y"],
  },
];
const ids = (filter: string) =>
  users.filter((u) => compileFilter(filter, "microsoft.graph.user").test(u)).map((u) => u.id);

describe("OData $filter", () => {
  it("supports comparisons, boolean logic, functions and lambdas", () => {
    expect(ids("accountEnabled eq true and usageLocation eq 'us'")).toEqual(["1"]);
    expect(ids("usageLocation eq null or displayName eq 'Grace'")).toEqual(["2", "3"]);
    expect(ids("not(accountEnabled eq true)")).toEqual(["2"]);
    expect(ids("startswith(displayName,'A')")).toEqual(["1", "2"]);
    expect(ids("displayName eq 'Ada O''Neil'")).toEqual(["1"]);
    expect(ids("id in ('1','3')")).toEqual(["1", "3"]);
    expect(ids("assignedLicenses/any(x:x/skuId eq 'b')")).toEqual(["3"]);
    expect(ids("assignedLicenses/any()")).toEqual(["1", "3"]);
    expect(ids("tags/any(t:t eq 'x')")).toEqual(["1"]);
    expect(ids("assignedLicenses/$count eq 0")).toEqual(["2"]);
  });

  it("rejects unknown properties and syntax errors with 400s", () => {
    expect(() => ids("colour eq 'red'")).toThrow(/Could not find a property named 'colour'/);
    expect(() => compileFilter("displayName eq 'unterminated", "t")).toThrow(/unterminated/);
    expect(() => compileFilter("displayName eq", "t")).toThrow();
  });
});
