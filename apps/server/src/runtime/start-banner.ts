import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { ensureDemoOperator } from "../modules/identity/index.js";
import type { Runtime } from "./boot.js";

/**
 * What `sip2teams start` prints once the portal is up: where to go and how to sign in.
 * On an empty database (and outside production) it first creates the demo operator.
 */
export async function startBanner(runtime: Runtime): Promise<string[]> {
  const { config, mailer } = runtime.deps;
  const lines = [`  sip2teams portal:  ${config.publicUrl}`];
  if (config.DEMO_SEED && !config.isProduction) {
    const created = await ensureDemoOperator(runtime.deps);
    if (created) {
      lines.push(
        `  Sign in as:        ${created.email}`,
        `  Password:          ${created.password}   (shown once)`,
      );
    } else {
      lines.push(
        "  Sign in with your existing operator account (Forgot password works through the dev mailbox).",
      );
    }
  }
  if (mailer.transport === "outbox") lines.push(`  Dev mailbox:       ${config.publicUrl}/dev/mailbox`);
  lines.push(`  API reference:     ${config.publicUrl}/api/docs/`);
  if (config.m365EmulatorUrl) {
    const tenants = Object.values(DEMO_TENANTS)
      .map((tenant) => `admin@${tenant.domain}`)
      .join(", ");
    lines.push(
      `  M365 emulator:     ${config.m365EmulatorUrl}/_emulator`,
      `  Microsoft admins:  ${tenants} (password ${DEMO_PASSWORDS.admin})`,
    );
  }
  if (runtime.sbcDemo) lines.push(runtime.sbcDemo.line);
  lines.push("  Stop with Ctrl-C.");
  return lines;
}
