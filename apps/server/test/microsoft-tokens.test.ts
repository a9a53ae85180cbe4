import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { describe, expect, it } from "vitest";
import { useConnectedContoso } from "./support/teams-users-sync.js";

const CONTOSO = DEMO_TENANTS.contoso;

/**
 * App-only tokens (microsoft/tokens.ts): callers that need the same token at the same moment share one
 * request to the identity platform (the emulator's token endpoint, counted in its request log).
 */
describe("Microsoft app-only tokens", () => {
  const connected = useConnectedContoso();

  const tokenRequests = () =>
    connected.emulator.state.requests(CONTOSO.id).filter((r) => r.path.endsWith("/oauth2/v2.0/token")).length;

  it("makes one token request for callers that ask at once, and a new one when asked again later", async () => {
    const { tokens } = connected.t.deps.microsoft;
    const before = tokenRequests();
    const tokensAtOnce = await Promise.all(
      Array.from({ length: 5 }, () => tokens.get(CONTOSO.id, "graph", { forceRefresh: true })),
    );
    expect(new Set(tokensAtOnce).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);

    // Once the request has settled, a refresh asks again; a Teams admin token is a request of its own.
    await tokens.get(CONTOSO.id, "graph", { forceRefresh: true });
    await Promise.all([
      tokens.get(CONTOSO.id, "teams-admin", { forceRefresh: true }),
      tokens.get(CONTOSO.id, "teams-admin", { forceRefresh: true }),
    ]);
    expect(tokenRequests() - before).toBe(3);
  });
});
