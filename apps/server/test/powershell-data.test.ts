import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_APP, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOOTSTRAP,
  type PowerShellPool,
  requestLine,
  TEAMS_CMDLETS,
  type TeamsCmdlet,
} from "../src/modules/microsoft/teams-powershell/runner.js";
import { emulatorEnv, startEmulator } from "./support/onboarding.js";
import { pwshStandInPath } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const CONTOSO = DEMO_TENANTS.contoso;

/** Values that would break out of, or be evaluated in, PowerShell script text. */
const HOSTILE = [
  "O'Brien",
  "\u2018curly\u2019 quotes",
  "\u2019; Remove-Item -Recurse -Force / ; \u2018",
  "$(Get-Process)",
  "`$env:PATH` and `n",
  "line one\nline two\r\nline three",
  "first; second",
  'say "hi"',
  "@{}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: PowerShell variable syntax, on purpose
  "${x} $null",
  "separator\u2028here",
  "\u00e9t\u00e9 \u{1F4DE}",
];

describe("PowerShell runner: values travel as data", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let pool: Pick<PowerShellPool, "run">;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp({ ...emulatorEnv(emulator), PWSH_PATH: pwshStandInPath() });
    const consent = await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}/consent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: DEMO_APP.clientId, directoryRoles: ["Teams Administrator"] }),
    });
    expect(consent.status).toBe(200);
    // Through the Microsoft port, as the product runs cmdlets.
    pool = {
      run: async (tenantId, cmdlet, parameters) =>
        (await t.deps.microsoft.tenant(tenantId)).teamsPowerShell.run(cmdlet, parameters),
    };
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  it("the real-pwsh bootstrap parses JSON and splats it against the allow-list; it evaluates no text", () => {
    expect(BOOTSTRAP).not.toMatch(/Invoke-Expression|\biex\b|\[scriptblock\]|AddScript/i);
    expect(BOOTSTRAP).toContain("ConvertFrom-Json -InputObject $s2tLine -AsHashtable");
    expect(BOOTSTRAP).toContain("if ($s2tAllowed -cnotcontains $s2tCmdlet)");
    expect(BOOTSTRAP).toContain("& $s2tCmdlet @s2tParameters");
    for (const cmdlet of TEAMS_CMDLETS) expect(BOOTSTRAP).toContain(`'${cmdlet}'`);
    expect(
      TEAMS_CMDLETS.every((c) =>
        /^(Connect|Disconnect|Get|Set|New|Remove|Grant)-(Cs|MicrosoftTeams)/.test(c),
      ),
    ).toBe(true);
  });

  it("writes one ASCII line per request, whatever the values", () => {
    for (const value of HOSTILE) {
      const line = requestLine("Set-CsOnlineVoiceRoutingPolicy", { Identity: "P", Description: value });
      expect(line).toMatch(/^[\x20-\x7e]+$/);
      expect(JSON.parse(line)).toEqual({
        cmdlet: "Set-CsOnlineVoiceRoutingPolicy",
        parameters: { Identity: "P", Description: value },
      });
    }
  });

  it("hostile values arrive verbatim in the tenant and read back unchanged", async () => {
    await pool.run(CONTOSO.id, "Set-CsOnlinePstnUsage", { Identity: "Global", Usage: { Add: HOSTILE } });
    const tenant = emulator.state.requireTenant(CONTOSO.id);
    expect(tenant.voice.get("OnlinePstnUsages")?.get("global")?.Usage).toEqual(
      expect.arrayContaining(HOSTILE),
    );
    const usage = (await pool.run(CONTOSO.id, "Get-CsOnlinePstnUsage", {})) as { Usage: string[] };
    expect(usage.Usage).toEqual(expect.arrayContaining(HOSTILE));

    for (const [i, value] of HOSTILE.entries()) {
      await pool.run(CONTOSO.id, "New-CsOnlineVoiceRoutingPolicy", {
        Identity: `hostile-${i}`,
        OnlinePstnUsages: [value],
        Description: value,
      });
      const stored = tenant.voice.get("OnlineVoiceRoutingPolicy")?.get(`hostile-${i}`);
      expect(stored?.Description).toBe(value);
      expect(stored?.OnlinePstnUsages).toEqual([value]);
    }

    await pool.run(CONTOSO.id, "New-CsTenantDialPlan", {
      Identity: "hostile-plan",
      Description: HOSTILE.join(" | "),
      NormalizationRules: HOSTILE.map((value, i) => ({
        Parent: "hostile-plan",
        Name: `rule-${i}`,
        Description: value,
        Pattern: "^(\\d{4})$",
        Translation: `+1$1${value}`,
      })),
    });
    const plan = (await pool.run(CONTOSO.id, "Get-CsTenantDialPlan", { Identity: "hostile-plan" })) as {
      Description: string;
      NormalizationRules: { Description: string; Translation: string }[];
    };
    expect(plan.Description).toBe(HOSTILE.join(" | "));
    expect(plan.NormalizationRules.map((r) => r.Description)).toEqual(HOSTILE);
    expect(plan.NormalizationRules.map((r) => r.Translation)).toEqual(HOSTILE.map((v) => `+1$1${v}`));
  });

  it("refuses a cmdlet that is not on the allow-list without sending it", async () => {
    await expect(
      pool.run(CONTOSO.id, "Invoke-Expression" as TeamsCmdlet, { Command: "Get-Process" }),
    ).rejects.toThrow("The cmdlet 'Invoke-Expression' is not allowed.");
  });

  it("refuses unknown parameters the way PowerShell does", async () => {
    await expect(
      pool.run(CONTOSO.id, "Set-CsOnlinePstnUsage", {
        Identity: "Global",
        Usage: { Add: "x" },
        Colour: "red",
      }),
    ).rejects.toThrow("A parameter cannot be found that matches parameter name 'Colour'.");
  });
});
