import { escapeHtml } from "../identity/pages.js";
import type { EmulatorState } from "../state/store.js";
import { consumedUnits } from "../state/users.js";

/** GET /_emulator: a human-readable summary of the emulator's state. */
export function controlPage(state: EmulatorState, base: string): string {
  const tenants = [...state.tenants.values()]
    .map((t) => {
      const sps = [...t.servicePrincipals.values()].filter((sp) => sp.consentedAt !== null);
      const skus = t.skus
        .map((s) => `${escapeHtml(s.skuPartNumber)} ${consumedUnits(t, s.skuId)}/${s.units}`)
        .join(", ");
      const assigned = [...t.numbers.values()].filter((n) => n.assignmentTargetId).length;
      return `<section><h2>${escapeHtml(t.displayName)} <small>${t.id}</small></h2>
<ul>
<li>Domains: ${[...t.domains.values()].map((d) => `${escapeHtml(d.id)}${d.isVerified ? "" : " (unverified)"}`).join(", ")}</li>
<li>Users: ${t.users.size} (${t.deletedUsers.size} deleted)</li>
<li>SKUs: ${skus}</li>
<li>Numbers: ${t.numbers.size} (${assigned} assigned)</li>
<li>Consented apps: ${sps.map((sp) => `${escapeHtml(sp.displayName)} [${sp.grantedAppRoles.map(escapeHtml).join(", ")}]`).join("; ") || "none"}</li>
<li>PSTN usages: ${escapeHtml(((t.voice.get("OnlinePstnUsages")?.get("global")?.Usage as string[]) ?? []).join(", ") || "none")}</li>
<li>Voice routes: ${t.voice.get("OnlineVoiceRoute")?.size ?? 0}, routing policies: ${(t.voice.get("OnlineVoiceRoutingPolicy")?.size ?? 1) - 1}, dial plans: ${(t.voice.get("TenantDialPlan")?.size ?? 1) - 1}</li>
<li>Requests logged: ${t.requestLog.length} — <a href="/_emulator/tenants/${t.id}/requests">log</a>, <a href="/_emulator/tenants/${t.id}">state (JSON)</a></li>
</ul></section>`;
    })
    .join("\n");
  const apps = [...state.apps.values()]
    .map((a) => `<li>${escapeHtml(a.displayName)} (${escapeHtml(a.publisher)}) — ${a.clientId}</li>`)
    .join("");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>M365 emulator</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}small{color:#666;font-weight:normal}</style></head>
<body><h1>Microsoft 365 emulator</h1>
<p>Scenario <strong>${escapeHtml(state.scenarioName)}</strong>. Login: <code>${escapeHtml(base)}/{tenant}/oauth2/v2.0/…</code>,
Graph: <code>${escapeHtml(base)}/graph/v1.0</code>, Teams admin: <code>${escapeHtml(base)}/teams-admin</code>.</p>
<h2>App registrations</h2><ul>${apps}</ul>
${tenants}
<p>Faults: <code>${escapeHtml(JSON.stringify(state.faults.config))}</code></p>
</body></html>`;
}
