import { describe, expect, it } from "vitest";
import { createSip2teamsClient, IDEMPOTENCY_KEY_HEADER, Sip2teamsApiError, unwrap } from "../src/index.js";

/** A `fetch` that records each request and answers it as `answer` says: what the client sends is the subject. */
function recordingFetch(answer: (request: Request) => Response) {
  const seen: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    return answer(request);
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": type } });

describe("createSip2teamsClient", () => {
  it("sends the API key as a bearer token to the portal's /api, and no Idempotency-Key on a GET", async () => {
    const { seen, fetch } = recordingFetch(() => json(200, { items: [], nextCursor: null }));
    const client = createSip2teamsClient({
      baseUrl: "https://portal.example.net/",
      apiKey: "s2t_live_x",
      fetch,
    });
    await client.GET("/api/accounts/{accountId}/sbc-regions", {
      params: { path: { accountId: "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01" }, query: { limit: 10 } },
    });
    expect(seen[0]!.url).toBe(
      "https://portal.example.net/api/accounts/3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01/sbc-regions?limit=10",
    );
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer s2t_live_x");
    expect(seen[0]!.headers.has(IDEMPOTENCY_KEY_HEADER)).toBe(false);
  });

  it("gives every POST a fresh Idempotency-Key unless the call brings its own", async () => {
    const { seen, fetch } = recordingFetch(() => json(202, {}));
    const client = createSip2teamsClient({ baseUrl: "https://portal.example.net", apiKey: "k", fetch });
    const params = { path: { accountId: "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01" } };
    await client.POST("/api/accounts/{accountId}/teams-users/sync", { params });
    await client.POST("/api/accounts/{accountId}/teams-users/sync", { params });
    await client.POST("/api/accounts/{accountId}/teams-users/sync", {
      params,
      headers: { [IDEMPOTENCY_KEY_HEADER]: "retry-of-order-42" },
    });
    const keys = seen.map((r) => r.headers.get(IDEMPOTENCY_KEY_HEADER));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe("retry-of-order-42");
  });

  it("unwrap turns a problem+json answer into a Sip2teamsApiError with its per-field messages", async () => {
    const { fetch } = recordingFetch(() =>
      json(
        400,
        {
          type: "about:blank",
          title: "Bad Request",
          status: 400,
          detail: "Invalid query.",
          errors: [{ field: "cursor", message: "Must be the nextCursor of a previous page of this list." }],
        },
        "application/problem+json",
      ),
    );
    const client = createSip2teamsClient({ baseUrl: "https://portal.example.net", apiKey: "k", fetch });
    const call = client.GET("/api/accounts/{accountId}/sbc-regions", {
      params: { path: { accountId: "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a01" }, query: { cursor: "x" } },
    });
    const error = await unwrap(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Sip2teamsApiError);
    expect(error).toMatchObject({ status: 400, errors: [{ field: "cursor" }] });
  });
});
