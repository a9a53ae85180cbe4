import { describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR_ROLE } from "../identity/microsoft-sign-in-port.js";
import { identityOf } from "./oidc-sign-in.js";

describe("identityOf (the person an id token names)", () => {
  const tid = "3F6A1D2E-8B4C-4E5F-9A0B-1C2D3E4F5A01";

  it("prefers email, falls back to preferred_username, lower-cased; reads wids and amr", () => {
    expect(
      identityOf({
        tid,
        oid: "o-1",
        email: " Admin@Contoso.Example ",
        preferred_username: "other@contoso.example",
        name: "Contoso Administrator",
        wids: [GLOBAL_ADMINISTRATOR_ROLE.toUpperCase()],
        amr: ["pwd", "mfa"],
      }),
    ).toEqual({
      tenantId: tid.toLowerCase(),
      objectId: "o-1",
      email: "admin@contoso.example",
      name: "Contoso Administrator",
      directoryRoles: [GLOBAL_ADMINISTRATOR_ROLE],
      mfa: true,
    });
    const plain = identityOf({ tid, preferred_username: "User1@contoso.example", amr: ["pwd"] });
    expect(plain).toMatchObject({ email: "user1@contoso.example", directoryRoles: [], mfa: false });
  });

  it("treats missing or malformed wids and amr as none", () => {
    expect(identityOf({ tid, email: "a@b.example", wids: "not-a-list", amr: "mfa" })).toMatchObject({
      directoryRoles: [],
      mfa: false,
    });
  });
});
