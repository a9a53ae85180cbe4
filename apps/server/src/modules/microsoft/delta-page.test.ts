import { describe, expect, it } from "vitest";
import { readDeltaPage } from "./delta-page.js";

const NEXT =
  "https://graph.microsoft.com/v1.0/users/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjsXoYQp";
const DELTA =
  "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQ";
const CONTEXT = '"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users"';
const users = '[{"id":"1","displayName":"Ada \\"@odata.nextLink\\":\\"x\\""},{"id":"2"}]';

describe("readDeltaPage", () => {
  it("reads the next link before `value` (Microsoft's documented order) without parsing the users", () => {
    // A broken user would throw in a full parse: the link is read without one.
    const page = readDeltaPage(`{${CONTEXT},"@odata.nextLink":"${NEXT}","value":[{"id":"1",}]}`);
    expect(page["@odata.nextLink"]).toBe(NEXT);
    expect(() => page.value).toThrow(SyntaxError);
  });

  it("reads a link after `value` too, and the users when asked for", () => {
    const page = readDeltaPage(`{${CONTEXT},"value":${users},"@odata.deltaLink":"${DELTA}"}`);
    expect(page["@odata.deltaLink"]).toBe(DELTA);
    expect(page["@odata.nextLink"]).toBeUndefined();
    expect(page.value.map((u) => u.id)).toEqual(["1", "2"]);
    expect(page.value[0]!.displayName).toBe('Ada "@odata.nextLink":"x"');
  });

  it("ignores a link-like key inside a user and fails the page when its links were read wrongly", () => {
    const inside = `{${CONTEXT},"value":[{"id":"1","@odata.nextLink":"${NEXT}"}],"@odata.deltaLink":"${DELTA}"}`;
    expect(readDeltaPage(inside)["@odata.nextLink"]).toBeUndefined();
    // Spelled with an escape, the second key is the one a parse keeps, and the search does not see it.
    const twice = `{${CONTEXT},"@odata.nextLink":"${NEXT}","value":[],"@odata\\u002enextLink":"${DELTA}"}`;
    expect(() => readDeltaPage(twice).value).toThrow(/read wrongly/);
  });

  it("parses a page without links at once", () => {
    expect(readDeltaPage(`{${CONTEXT},"value":[{"id":"1"}]}`).value).toEqual([{ id: "1" }]);
  });
});
