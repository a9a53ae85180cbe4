import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, type Json, startDemo, TEAMS_SCOPE } from "./helpers.js";

let emu: StartedEmulator;
let child: ChildProcessWithoutNullStreams;
let lines: Interface;
const pending: ((line: string) => void)[] = [];

async function send(line: string): Promise<{ ok: boolean; output?: Json; error?: Json }> {
  const reply = new Promise<string>((resolve) => pending.push(resolve));
  child.stdin.write(`${line}\n`);
  return JSON.parse(await reply);
}

const run = (cmdlet: string, parameters: Record<string, unknown> = {}) =>
  send(JSON.stringify({ cmdlet, parameters }));

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

describe("m365-emulator-pwsh stand-in", () => {
  it("refuses cmdlets before Connect-MicrosoftTeams", async () => {
    const r = await run("Get-CsOnlineUser", { Identity: "user1@contoso.example" });
    expect(r.ok).toBe(false);
    expect(r.error.message).toContain("Connect-MicrosoftTeams");
  });

  it("takes only JSON requests: script text is refused, not run", async () => {
    const text = await send("Get-CsOnlineUser -Identity user1@contoso.example");
    expect(text).toMatchObject({ ok: false, error: { type: "ArgumentException" } });
    expect(text.error.message).toContain("Conversion from JSON failed");
    const shape = await send(JSON.stringify({ command: "Get-CsOnlineUser" }));
    expect(shape.error.message).toContain('{"cmdlet":"<name>","parameters":{...}}');
  });

  it("connects with two access tokens, disables voicemail, and reads it back", async () => {
    const graphToken = await appToken(emu, CONTOSO.id);
    const teamsToken = await appToken(emu, CONTOSO.id, TEAMS_SCOPE);
    const connected = await run("Connect-MicrosoftTeams", { AccessTokens: [graphToken, teamsToken] });
    expect(connected).toMatchObject({ ok: true, output: { TenantId: CONTOSO.id } });

    const before = await run("Get-CsOnlineVoicemailUserSettings", { Identity: "user1@contoso.example" });
    expect(before.output.VoicemailEnabled).toBe(true);
    const set = await run("Set-CsOnlineVoicemailUserSettings", {
      Identity: "user1@contoso.example",
      VoicemailEnabled: false,
    });
    expect(set.ok).toBe(true);
    const user = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@contoso.example",
    );
    expect(user?.voice.voicemail.VoicemailEnabled).toBe(false);
    const after = await run("Get-CsOnlineVoicemailUserSettings", { Identity: user?.id });
    expect(after.output.VoicemailEnabled).toBe(false);
    const online = await run("Get-CsOnlineUser", { Identity: "user1@contoso.example" });
    expect(online.output).toMatchObject({
      UserPrincipalName: "user1@contoso.example",
      FeatureTypes: ["Teams", "PhoneSystem"],
    });
    const log = emu.state.requests(CONTOSO.id).filter((e) => e.surface === "pwsh");
    expect(log.length).toBeGreaterThanOrEqual(4);
    expect(log.at(-1)?.path).toBe("/_emulator/pwsh/invoke/Get-CsOnlineUser");
  });

  it("refuses unknown cmdlets and parameters like PowerShell", async () => {
    const unknown = await run("Set-CsFancyThing", { Identity: "x" });
    expect(unknown).toMatchObject({ ok: false, error: { type: "CommandNotFoundException" } });
    expect(unknown.error.message).toContain("The term 'Set-CsFancyThing' is not recognized");
    const badParam = await run("Set-CsOnlineVoicemailUserSettings", {
      Identity: "user1@contoso.example",
      Colour: "blue",
    });
    expect(badParam.error.message).toBe("A parameter cannot be found that matches parameter name 'Colour'.");
    expect(badParam.error.fullyQualifiedErrorId).toBe(
      "NamedParameterNotFound,Set-CsOnlineVoicemailUserSettings",
    );
    const badBool = await run("Set-CsOnlineVoicemailUserSettings", {
      Identity: "user1@contoso.example",
      VoicemailEnabled: "false",
    });
    expect(badBool.error.message).toContain("Cannot convert value");
    const missing = await run("Get-CsOnlineVoicemailUserSettings");
    expect(missing.error.message).toContain("missing mandatory parameters: Identity");
    const twoSets = await run("Grant-CsTenantDialPlan", { Global: true, Group: "g1", PolicyName: "X" });
    expect(twoSets.error.message).toContain("Parameter set cannot be resolved");
    const noPort = await run("New-CsOnlinePSTNGateway", { Fqdn: "sbc.contoso.example" });
    expect(noPort.error.message).toContain("missing mandatory parameters: SipSignalingPort");
  });

  it("applies voice cmdlets with Microsoft's rules", async () => {
    const routeParams = {
      Identity: "R1",
      OnlinePstnUsages: ["CarrierX"],
      OnlinePstnGatewayList: ["sbc.contoso.example"],
    };
    expect((await run("New-CsOnlineVoiceRoute", routeParams)).ok).toBe(false);
    expect((await run("Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Add: "CarrierX" } })).ok).toBe(
      true,
    );
    const noGateway = await run("New-CsOnlineVoiceRoute", routeParams);
    expect(noGateway.error.message).toContain("Cannot find the online PSTN gateway 'sbc.contoso.example'");
    const gateway = await run("New-CsOnlinePSTNGateway", {
      Fqdn: "sbc.contoso.example",
      SipSignalingPort: 5068,
      ForwardPai: true,
      MaxConcurrentSessions: 100,
      MediaBypass: false,
    });
    expect(gateway.output).toMatchObject({
      Identity: "sbc.contoso.example",
      Fqdn: "sbc.contoso.example",
      SipSignalingPort: 5068,
      Enabled: false,
      ForwardPai: true,
      SendSipOptions: true,
    });
    expect(
      (await run("Set-CsOnlinePSTNGateway", { Identity: "sbc.contoso.example", Enabled: true })).ok,
    ).toBe(true);
    expect((await run("Get-CsOnlinePSTNGateway", { Identity: "sbc.contoso.example" })).output.Enabled).toBe(
      true,
    );
    expect((await run("New-CsOnlineVoiceRoute", routeParams)).output).toMatchObject({
      Identity: "R1",
      Name: "R1",
      NumberPattern: "[0-9]{10}",
      OnlinePstnUsages: ["CarrierX"],
      OnlinePstnGatewayList: ["sbc.contoso.example"],
    });
    const duplicate = await run("New-CsOnlineVoiceRoute", routeParams);
    expect(duplicate.error.message).toContain("already exists");
    expect(
      (await run("New-CsOnlineVoiceRoutingPolicy", { Identity: "CarrierX", OnlinePstnUsages: ["CarrierX"] }))
        .output.Identity,
    ).toBe("Tag:CarrierX");
    expect(
      (
        await run("Grant-CsOnlineVoiceRoutingPolicy", {
          Identity: "user1@contoso.example",
          PolicyName: "CarrierX",
        })
      ).ok,
    ).toBe(true);
    expect((await run("Grant-CsOnlineVoiceRoutingPolicy", { Global: true, PolicyName: "CarrierX" })).ok).toBe(
      true,
    );
    const plan = await run("New-CsTenantDialPlan", {
      Identity: "DE-Berlin",
      NormalizationRules: [
        {
          Parent: "DE-Berlin",
          Name: "Ext4",
          Pattern: "^(\\d{4})$",
          Translation: "+49301234$1",
          IsInternalExtension: true,
        },
      ],
    });
    expect(plan.output).toMatchObject({
      Identity: "Tag:DE-Berlin",
      SimpleName: "DE-Berlin",
      NormalizationRules: [
        { Name: "Ext4", Pattern: "^(\\d{4})$", Translation: "+49301234$1", IsInternalExtension: true },
      ],
    });
    const badRule = await run("New-CsTenantDialPlan", {
      Identity: "DE-Munich",
      NormalizationRules: [{ Parent: "DE-Munich", Name: "X", Colour: "red" }],
    });
    expect(badRule.error.message).toBe("A parameter cannot be found that matches parameter name 'Colour'.");
    expect(
      (
        await run("Grant-CsTenantDialPlan", {
          Group: "sales@contoso.example",
          PolicyName: "DE-Berlin",
          Rank: 1,
        })
      ).ok,
    ).toBe(true);
    const assign = await run("Set-CsPhoneNumberAssignment", {
      Identity: "user1@contoso.example",
      PhoneNumber: "+14255550118",
      PhoneNumberType: "DirectRouting",
    });
    expect(assign.ok).toBe(true);
    const online = await run("Get-CsOnlineUser", { Identity: "user1@contoso.example" });
    expect(online.output).toMatchObject({
      LineUri: "tel:+14255550118",
      EnterpriseVoiceEnabled: true,
      OnlineVoiceRoutingPolicy: "CarrierX",
    });
  });
});
