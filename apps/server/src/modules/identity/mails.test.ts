import { describe, expect, it } from "vitest";
import { portalPhrase } from "./mails.js";

describe("portalPhrase", () => {
  it("says portal once, whether or not the configured name ends with it", () => {
    expect(portalPhrase("sip2teams")).toBe("the sip2teams portal");
    expect(portalPhrase("Orchid Collab Portal")).toBe("the Orchid Collab Portal");
    expect(portalPhrase("Orchid portal ")).toBe("the Orchid portal");
    expect(portalPhrase("Portality")).toBe("the Portality portal");
  });
});
