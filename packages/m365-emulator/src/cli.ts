import { parseArgs } from "node:util";
import { startM365Emulator } from "./index.js";
import { DEMO_APP, DEMO_PASSWORDS, DEMO_TENANTS } from "./scenario/demo.js";

const USAGE = `Usage: sip2teams-m365-emulator [--scenario demo|<file.json|yaml>] [--port N] [--host H]
                               [--data-dir DIR] [--generate-users N] [--latency-ms N] [--json]`;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "demo" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: "data/m365-emulator" },
      "generate-users": { type: "string" },
      "latency-ms": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const emu = await startM365Emulator({
    scenario: values.scenario,
    port: Number(values.port),
    host: values.host,
    dataDir: values["data-dir"] ?? "data/m365-emulator",
    latencyMs: values["latency-ms"] ? Number(values["latency-ms"]) : 0,
  });
  const extra = values["generate-users"] ? Number(values["generate-users"]) : 0;
  if (extra > 0) for (const t of emu.state.tenants.values()) emu.state.generateUsers(t.id, extra);
  const info = {
    url: emu.url,
    graphUrl: emu.graphUrl,
    teamsAdminUrl: emu.teamsAdminUrl,
    caCertPath: emu.caCertPath,
    tenants: [...emu.state.tenants.values()].map((t) => ({ id: t.id, name: t.name, users: t.users.size })),
  };
  if (values.json) console.log(JSON.stringify(info));
  else {
    console.log(`M365 emulator listening on ${emu.url} (scenario ${emu.state.scenarioName})`);
    console.log(`  Graph:        ${emu.graphUrl}/v1.0`);
    console.log(`  Teams admin:  ${emu.teamsAdminUrl}`);
    console.log(`  Control page: ${emu.url}/_emulator`);
    console.log(`  CA:           ${emu.caCertPath}   (export NODE_EXTRA_CA_CERTS=${emu.caCertPath})`);
    for (const t of info.tenants) console.log(`  Tenant ${t.name}: ${t.id} (${t.users} users)`);
    if (emu.state.scenarioName === "demo") {
      console.log(
        `  Demo app:   ${DEMO_APP.displayName} client id ${DEMO_APP.clientId} secret ${DEMO_APP.clientSecret}`,
      );
      for (const t of Object.values(DEMO_TENANTS)) {
        console.log(
          `  Demo admin: admin@${t.domain} / ${DEMO_PASSWORDS.admin}   user: user1@${t.domain} / ${DEMO_PASSWORDS.user}`,
        );
      }
    }
  }
  const stop = async () => {
    await emu.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
