import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "../../apps/server/src/db/embedded-postgres.js";
import { launchBrowser } from "./browser.js";
import { type RunningPortal, startPortal } from "./portal.js";

export interface PortalAndBrowser {
  portal: RunningPortal;
  browser: Browser;
}

type PortalEnv = Record<string, string>;

/** The portal's environment for running the Microsoft 365 emulator alongside it, on a free port. */
export async function withEmulator(): Promise<PortalEnv> {
  return { M365_EMULATOR: "on", M365_EMULATOR_PORT: String(await freePort()) };
}

/**
 * For a describe block: the built portal (with `env`, or what `env()` resolves to, e.g. `withEmulator`) and
 * Chromium, started together before its tests and closed after them. Read `portal` and `browser` inside tests
 * (they are set once beforeAll has run).
 */
export function usePortalAndBrowser(env: PortalEnv | (() => Promise<PortalEnv>) = {}): PortalAndBrowser {
  const started = {} as PortalAndBrowser;
  beforeAll(async () => {
    const portalEnv = typeof env === "function" ? await env() : env;
    [started.portal, started.browser] = await Promise.all([startPortal(portalEnv), launchBrowser()]);
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.portal?.stop();
  });
  return started;
}
