import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll } from "vitest";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./factories.js";
import { emulatorEnv, startEmulator } from "./onboarding.js";
import { connectedContoso, pwshStandInPath } from "./provisioning.js";
import { startTestApp, type TestApp } from "./test-app.js";

export interface ConnectedContoso {
  emulator: StartedEmulator;
  t: TestApp;
  /** An Admin of the partner that onboarded Contoso. */
  partner: SignedInUser;
  enterpriseId: string;
}

/**
 * For a describe block about the Teams users sync: the emulator, the app with the periodic sync off, and
 * Contoso connected with Direct Routing set up (connectedContoso). Read the fields inside tests.
 */
export function useConnectedContoso(): ConnectedContoso {
  const context = {} as ConnectedContoso;
  beforeAll(async () => {
    context.emulator = await startEmulator();
    context.t = await startTestApp({
      ...emulatorEnv(context.emulator),
      PWSH_PATH: pwshStandInPath(),
      TEAMS_USERS_SYNC_MINUTES: "0",
    });
    const tree = await createAccountTree(context.t.deps.db);
    const operatorAdmin = await createSignedInUser(context.t.deps.db, tree.operator, "Admin");
    context.partner = await createSignedInUser(context.t.deps.db, tree.partner, "Admin");
    ({ enterpriseId: context.enterpriseId } = await connectedContoso(
      context.t,
      context.emulator,
      tree,
      operatorAdmin,
      context.partner,
    ));
  }, 180_000);
  afterAll(async () => {
    await context.t?.stop();
    await context.emulator?.close();
  });
  return context;
}
