import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { DEMO_APP, DEMO_TENANTS, type StartedEmulator, startM365Emulator } from "../src/index.js";
import type { Scenario } from "../src/scenario/schema.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies in tests are loosely typed JSON
export type Json = any;

export const CONTOSO = DEMO_TENANTS.contoso;
export const FABRIKAM = DEMO_TENANTS.fabrikam;
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
export const TEAMS_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default";
export const REDIRECT_URI = "http://localhost:3000/api/microsoft/callback";

/** Trusts the emulator's CA for this process (Node 24: global fetch and https both honour it). */
export function trustCa(pem: string): void {
  const current = tls.getCACertificates("default");
  if (!current.includes(pem)) tls.setDefaultCACertificates([...current, pem]);
}

/** Test files share one data folder, so the CA and the signing key are generated once (writes are atomic). */
const SHARED_DATA_DIR = join(tmpdir(), "m365-emulator-test-data");

export async function startDemo(scenario?: Scenario | string): Promise<StartedEmulator> {
  const dataDir = SHARED_DATA_DIR;
  const emu = await startM365Emulator({ dataDir, scenario: scenario ?? "demo" });
  trustCa(emu.caCertPem);
  return emu;
}

export async function tokenResponse(
  emu: StartedEmulator,
  tenant: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function appToken(emu: StartedEmulator, tenant: string, scope = GRAPH_SCOPE): Promise<string> {
  const r = await tokenResponse(emu, tenant, {
    grant_type: "client_credentials",
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope,
  });
  if (r.status !== 200) throw new Error(`token failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Consents the demo app in a tenant and optionally gives its service principal directory roles. */
export function consentDemoApp(emu: StartedEmulator, tenantId: string, roles: string[] = []): string {
  const sp = emu.state.grantAdminConsent(tenantId, DEMO_APP.clientId);
  for (const r of roles) emu.state.assignDirectoryRole(tenantId, sp.id, r);
  return sp.id;
}

/** The demo emulator with the demo app consented in Contoso, and an app token for Graph there. */
export async function startConsentedDemo(): Promise<{ emu: StartedEmulator; token: string }> {
  const emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id);
  return { emu, token: await appToken(emu, CONTOSO.id) };
}

export async function graph(
  emu: StartedEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(`${emu.graphUrl}/v1.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // plain text bodies ($count)
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * A minimal browser: keeps cookies, follows same-origin redirects, stops at the app's redirect URI,
 * and submits HTML forms (choosing the button by its label).
 */
export class FormBrowser {
  private cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  /** Returns either an HTML page from the emulator or the final redirect to the app. */
  async request(
    url: string,
    init: RequestInit = {},
  ): Promise<{ html?: string; redirect?: URL; status: number }> {
    let target = url;
    let options: RequestInit = init;
    for (let hops = 0; hops < 10; hops++) {
      const res = await fetch(target, {
        ...options,
        redirect: "manual",
        headers: { ...(options.headers as Record<string, string>), cookie: this.cookieHeader() },
      });
      this.remember(res);
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, target);
        if (next.origin !== this.origin) return { redirect: next, status: res.status };
        target = next.toString();
        options = {};
        continue;
      }
      return { html: await res.text(), status: res.status };
    }
    throw new Error("too many redirects");
  }

  /** Fills the page's form with `fields` and presses the button labelled `button`. */
  async submit(html: string, fields: Record<string, string>, button: string) {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`no form in page: ${html.slice(0, 300)}`);
    const action = decodeEntities(form[1] ?? "");
    const data = new URLSearchParams();
    for (const m of (form[2] ?? "").matchAll(
      /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g,
    )) {
      data.set(m[1] ?? "", decodeEntities(m[2] ?? ""));
    }
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    const btn = [...(form[2] ?? "").matchAll(/<button([^>]*)>([^<]+)<\/button>/g)].find(
      (m) => m[2]?.trim() === button,
    );
    if (!btn) throw new Error(`no button '${button}' in form`);
    const name = /name="([^"]+)"/.exec(btn[1] ?? "")?.[1];
    const value = /value="([^"]+)"/.exec(btn[1] ?? "")?.[1];
    if (name) data.set(name, value ?? "");
    return this.request(new URL(action, this.origin).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: data.toString(),
    });
  }
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Signs in through the HTML pages (email → Next, password → Sign in). */
export async function signIn(browser: FormBrowser, startUrl: string, login: string, password: string) {
  const first = await browser.request(startUrl);
  if (!first.html) return first;
  if (!first.html.includes('name="login"')) return first;
  const pw = await browser.submit(first.html, { login }, "Next");
  if (!pw.html) throw new Error("expected password page");
  return browser.submit(pw.html, { passwd: password }, "Sign in");
}

/** Signs in and presses Accept when a permissions page is shown; returns the redirect to the app. */
export async function signInAndConsent(
  browser: FormBrowser,
  startUrl: string,
  login: string,
  password: string,
) {
  const page = await signIn(browser, startUrl, login, password);
  if (page.html?.includes('value="accept"')) return browser.submit(page.html, {}, "Accept");
  return page;
}
