import { createServer } from "node:net";
import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser } from "./support/factories.js";
import {
  clearFaults,
  configureOperator,
  connectAsGlobalAdmin,
  emulatorEnv,
  onboardEnterprise,
  setFaults,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const CONTOSO = DEMO_TENANTS.contoso;

interface LoggedCall {
  method: string;
  path: string;
  status: number;
  surface: string;
  body: unknown;
}

/** A write as the tenant sees it: a Graph POST/PATCH/DELETE, or a cmdlet other than Get-* / Connect. */
function writeOf(l: LoggedCall): string | null {
  if (l.surface === "pwsh") {
    if (l.path.endsWith("/connect")) return null;
    const { cmdlet, parameters } = l.body as { cmdlet: string; parameters?: { Identity?: string } };
    return cmdlet.startsWith("Get-") ? null : `PS ${cmdlet} ${parameters?.Identity ?? ""}`;
  }
  if (l.surface !== "graph" || l.method === "GET") return null;
  return `${l.method} ${l.path.split("?")[0]}`;
}

/**
 * Takes Microsoft down mid-job: the emulator's HTTPS server stops (open connections dropped), the port refuses
 * connections until the portal has tried at least once, then the server starts again on the same port with the
 * same state and data folder.
 */
async function restartEmulatorOnceTried(emulator: StartedEmulator): Promise<number> {
  const port = Number(new URL(emulator.url).port);
  await emulator.stop();
  let attempts = 0;
  const down = createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    down.once("error", reject);
    down.listen(port, "127.0.0.1", () => resolve());
  });
  try {
    await waitFor("the portal tried Microsoft while it was down", async () => attempts > 0);
  } finally {
    await new Promise<void>((resolve) => down.close(() => resolve()));
  }
  await emulator.start();
  return attempts;
}

describe("Direct Routing setup under Microsoft faults", () => {
  let emulator: StartedEmulator;
  let t: TestApp;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator));
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  it("restarted mid-setup, with 20% injected 5xx and throttling (429), it converges, and every write succeeds exactly once", async () => {
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    const partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin);
    const id = await onboardEnterprise(t, tree.partner, partner, regions, "contoso");
    await connectAsGlobalAdmin(t, emulator, id, partner, CONTOSO);
    await setFaults(emulator, {
      errorRate: 0.2,
      errorStatuses: [500, 503],
      throttle: { capacity: 6, refillPerSecond: 3, tenantId: CONTOSO.id },
      teamsAdminThrottle: { capacity: 6, refillPerSecond: 3, tenantId: CONTOSO.id },
    });
    try {
      const setupView = async () =>
        (
          await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partner.headers })
        ).json() as { status: string; steps: { status: string }[] };
      const midway = await waitFor(
        "setup under way",
        async () => {
          const view = await setupView();
          if (view.status === "completed") throw new Error("the setup completed before Microsoft went down");
          const done = view.steps.filter((s) => s.status === "done").length;
          return done >= 2 && done < view.steps.length ? view : null;
        },
        { intervalMs: 50 },
      );
      expect(midway.status).not.toBe("completed");
      expect(await restartEmulatorOnceTried(emulator)).toBeGreaterThan(0);
      const done = await waitFor(
        "setup completed despite the faults",
        async () => {
          const body = (
            await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partner.headers })
          ).json();
          if (body.status === "failed") throw new Error(JSON.stringify(body));
          return body.status === "completed" ? body : null;
        },
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      expect(done.steps.every((s: { status: string }) => s.status === "done")).toBe(true);
    } finally {
      await clearFaults(emulator);
    }
    const response = await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}/requests`);
    const body = (await response.json()) as LoggedCall[] | { requests: LoggedCall[] };
    const lines = Array.isArray(body) ? body : body.requests;
    const failed = lines.filter((l) => l.status >= 429);
    expect(failed.length).toBeGreaterThan(0);
    const writes = lines
      .filter((l) => l.status < 400)
      .map(writeOf)
      .filter((w): w is string => w !== null);
    expect(writes.length).toBeGreaterThan(8);
    expect(writes.filter((w, i) => writes.indexOf(w) !== i)).toEqual([]);
  }, 300_000);
});
