import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, type StartedEmulator } from "../src/index.js";
import { parseCommandLine } from "../src/pwsh/parser.js";
import { appToken, CONTOSO, consentDemoApp, type Json, startDemo, TEAMS_SCOPE } from "./helpers.js";

let emu: StartedEmulator;
let child: ChildProcessWithoutNullStreams;
let lines: Interface;
const pending: ((line: string) => void)[] = [];

async function run(command: string): Promise<{ ok: boolean; output?: Json; error?: Json }> {
  const reply = new Promise<string>((resolve) => pending.push(resolve));
  child.stdin.write(`${command}\n`);
  return JSON.parse(await reply);
}

beforeAll(async () => {
  emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id, [ROLE.TEAMS_ADMINISTRATOR]);
  child = spawn(process.execPath, [fileURLToPath(new URL("../bin/m365-emulator-pwsh.js", import.meta.url))], {
    env: {
      ...process.env,
      M365_EMULATOR_URL: emu.url,
      M365_EMULATOR_CA: emu.caCertPath,
      M365_EMULATOR_SOURCE: "1",
    },
  });
  lines = createInterface({ input: child.stdout });
  lines.on("line", (l) => pending.shift()?.(l));
});
afterAll(async () => {
  child?.stdin.end();
  child?.kill();
  await emu?.close();
});

describe("PowerShell parsing", () => {
  it("parses arrays, hashtables, booleans and colon syntax", () => {
    const cmd = parseCommandLine(
      `Set-CsOnlinePstnUsage -Identity Global -Usage @{Add="A","B"; Remove='C'} -Verbose:$false`,
    );
    expect(cmd.args).toEqual([
      { name: "Identity", value: undefined, colon: false },
      { name: null, value: "Global", colon: false },
      { name: "Usage", value: undefined, colon: false },
      { name: null, value: { Add: ["A", "B"], Remove: "C" }, colon: false },
      { name: "Verbose", value: false, colon: true },
    ]);
  });
});

describe("m365-emulator-pwsh stand-in", () => {
  it("refuses cmdlets before Connect-MicrosoftTeams", async () => {
    const r = await run("Get-CsOnlineUser -Identity user1@contoso.example");
    expect(r.ok).toBe(false);
    expect(r.error.message).toContain("Connect-MicrosoftTeams");
  });

  it("accepts the usual preamble and the JSON request framing", async () => {
    expect(await run(`$ErrorActionPreference = "Stop"`)).toEqual({ ok: true, output: null });
    expect(await run("Import-Module MicrosoftTeams")).toEqual({ ok: true, output: null });
    const missing = await run("Import-Module NotAModule");
    expect(missing.error.type).toBe("FileNotFoundException");
    const framed = await run(JSON.stringify({ id: 7, command: "Get-CsOnlineUser -Identity x" }));
    expect(framed).toMatchObject({ id: 7, ok: false });
  });

  it("connects with two access tokens, disables voicemail, and reads it back", async () => {
    const graphToken = await appToken(emu, CONTOSO.id);
    const teamsToken = await appToken(emu, CONTOSO.id, TEAMS_SCOPE);
    const connected = await run(`Connect-MicrosoftTeams -AccessTokens @("${graphToken}","${teamsToken}")`);
    expect(connected).toMatchObject({ ok: true, output: { TenantId: CONTOSO.id } });

    const before = await run("Get-CsOnlineVoicemailUserSettings -Identity user1@contoso.example");
    expect(before.output.VoicemailEnabled).toBe(true);
    const set = await run(
      "Set-CsOnlineVoicemailUserSettings -Identity user1@contoso.example -VoicemailEnabled $false",
    );
    expect(set.ok).toBe(true);
    const user = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@contoso.example",
    );
    expect(user?.voice.voicemail.VoicemailEnabled).toBe(false);
    const after = await run(`Get-CsOnlineVoicemailUserSettings -Identity ${user?.id}`);
    expect(after.output.VoicemailEnabled).toBe(false);
    const online = await run("Get-CsOnlineUser -Identity user1@contoso.example | ConvertTo-Json -Depth 5");
    expect(online.output).toMatchObject({
      UserPrincipalName: "user1@contoso.example",
      FeatureTypes: ["PhoneSystem"],
    });
    const log = emu.state.requests(CONTOSO.id).filter((e) => e.surface === "pwsh");
    expect(log.length).toBeGreaterThanOrEqual(4);
  });

  it("refuses unknown cmdlets and parameters like PowerShell", async () => {
    const unknown = await run("Set-CsFancyThing -Identity x");
    expect(unknown).toMatchObject({ ok: false, error: { type: "CommandNotFoundException" } });
    expect(unknown.error.message).toContain("The term 'Set-CsFancyThing' is not recognized");
    const badParam = await run(
      "Set-CsOnlineVoicemailUserSettings -Identity user1@contoso.example -Colour blue",
    );
    expect(badParam.error.message).toBe("A parameter cannot be found that matches parameter name 'Colour'.");
    expect(badParam.error.fullyQualifiedErrorId).toBe(
      "NamedParameterNotFound,Set-CsOnlineVoicemailUserSettings",
    );
    const badBool = await run(
      "Set-CsOnlineVoicemailUserSettings -Identity user1@contoso.example -VoicemailEnabled false",
    );
    expect(badBool.error.message).toContain("Cannot convert value");
    const missing = await run("Get-CsOnlineVoicemailUserSettings");
    expect(missing.error.message).toContain("missing mandatory parameters: Identity");
  });

  it("applies voice cmdlets with Microsoft's rules", async () => {
    const route = await run(
      `New-CsOnlineVoiceRoute -Identity R1 -OnlinePstnUsages "CarrierX" -OnlinePstnGatewayList "contoso.example"`,
    );
    expect(route.ok).toBe(false);
    expect((await run(`Set-CsOnlinePstnUsage -Identity Global -Usage @{Add="CarrierX"}`)).ok).toBe(true);
    expect(
      (
        await run(
          `New-CsOnlineVoiceRoute -Identity R1 -OnlinePstnUsages "CarrierX" -OnlinePstnGatewayList "contoso.example"`,
        )
      ).ok,
    ).toBe(true);
    expect(
      (await run(`New-CsOnlineVoiceRoutingPolicy -Identity CarrierX -OnlinePstnUsages CarrierX`)).output
        .Identity,
    ).toBe("Tag:CarrierX");
    expect(
      (await run(`Grant-CsOnlineVoiceRoutingPolicy -Identity user1@contoso.example -PolicyName CarrierX`)).ok,
    ).toBe(true);
    const assign = await run(
      `Set-CsPhoneNumberAssignment -Identity user1@contoso.example -PhoneNumber +14255550118 -PhoneNumberType DirectRouting`,
    );
    expect(assign.ok).toBe(true);
    const online = await run("Get-CsOnlineUser -Identity user1@contoso.example");
    expect(online.output).toMatchObject({
      LineUri: "tel:+14255550118",
      EnterpriseVoiceEnabled: true,
      OnlineVoiceRoutingPolicy: "CarrierX",
    });
  });
});
