import type { Runtime } from "./boot.js";

/** What `sip2teams start` prints once the portal is up: where to go and how to sign in. */
export async function startBanner(runtime: Runtime): Promise<string[]> {
  const { config, mailer } = runtime.deps;
  const lines = [`  sip2teams portal:  ${config.publicUrl}`];
  if (mailer.transport === "outbox") lines.push(`  Dev mailbox:       ${config.publicUrl}/dev/mailbox`);
  lines.push(`  API reference:     ${config.publicUrl}/api/docs/`);
  lines.push("  Stop with Ctrl-C.");
  return lines;
}
