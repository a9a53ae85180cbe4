/** Plain-HTML pages of the browser flows: no JavaScript needed to complete them. */

export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:Segoe UI,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600}input{width:100%;padding:6px;margin:8px 0;box-sizing:border-box}
button{padding:6px 24px;margin:12px 8px 0 0}.error{color:#e81123}.muted{color:#666;font-size:13px}
li{margin:6px 0}</style></head>
<body><main><div class="muted">Microsoft (emulator)</div>${body}</main></body></html>`;
}

export function signInEmailPage(
  action: string,
  ctx: string,
  opts: { loginHint?: string | null; error?: string },
): string {
  return layout(
    "Sign in to your account",
    `<h1>Sign in</h1>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ""}
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="ctx" value="${escapeHtml(ctx)}">
<input type="hidden" name="step" value="email">
<label for="login">Email, phone, or Skype</label>
<input type="email" id="login" name="login" value="${escapeHtml(opts.loginHint ?? "")}" autocomplete="username" required>
<button type="submit">Next</button>
</form>`,
  );
}

/**
 * `prompt=select_account`: the account picker ("Pick an account") listing the account signed in to this
 * browser, and "Use another account" which goes to the sign-in page.
 */
export function pickAccountPage(
  action: string,
  ctx: string,
  signedIn: { upn: string; name: string },
): string {
  return layout(
    "Pick an account",
    `<h1>Pick an account</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="ctx" value="${escapeHtml(ctx)}">
<input type="hidden" name="step" value="pick">
<button type="submit" name="login" value="${escapeHtml(signedIn.upn)}">${escapeHtml(signedIn.name)} ${escapeHtml(signedIn.upn)}</button>
</form>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="ctx" value="${escapeHtml(ctx)}">
<input type="hidden" name="step" value="another">
<button type="submit">Use another account</button>
</form>`,
  );
}

export function signInPasswordPage(action: string, ctx: string, login: string, error?: string): string {
  return layout(
    "Enter password",
    `<h1>Enter password</h1>
<p>${escapeHtml(login)}</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="ctx" value="${escapeHtml(ctx)}">
<input type="hidden" name="step" value="password">
<input type="hidden" name="login" value="${escapeHtml(login)}">
<label for="passwd">Password</label>
<input type="password" id="passwd" name="passwd" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function consentPage(opts: {
  action: string;
  ctx: string;
  appName: string;
  publisher: string;
  userUpn: string;
  permissions: { name: string; description: string }[];
  forOrganization: boolean;
}): string {
  const items = opts.permissions
    .map(
      (p) =>
        `<li><strong>${escapeHtml(p.name)}</strong><br><span class="muted">${escapeHtml(p.description)}</span></li>`,
    )
    .join("\n");
  return layout(
    "Permissions requested",
    `<p class="muted">${escapeHtml(opts.userUpn)}</p>
<h1>Permissions requested</h1>
<p><strong class="app-name">${escapeHtml(opts.appName)}</strong><br>
<span class="publisher">${escapeHtml(opts.publisher)}</span></p>
<p>This app would like to:</p>
<ul class="permissions">
${items}
</ul>
${opts.forOrganization ? "<p>Accepting these permissions means that you allow this app to use your organization's data on behalf of everyone in your organization.</p>" : ""}
<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="ctx" value="${escapeHtml(opts.ctx)}">
<button type="submit" name="action" value="accept">Accept</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>`,
  );
}

export function errorPage(opts: {
  title: string;
  code: number;
  message: string;
  returnUrl?: string;
}): string {
  return layout(
    opts.title,
    `<h1>${escapeHtml(opts.title)}</h1>
<p class="error" id="error-code">AADSTS${opts.code}: ${escapeHtml(opts.message)}</p>
${opts.returnUrl ? `<p><a id="return" href="${escapeHtml(opts.returnUrl)}">Return to the application without granting consent</a></p>` : ""}`,
  );
}

export function formPostPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n");
  return `<!DOCTYPE html><html><head><title>Working...</title></head>
<body onload="document.forms[0].submit()"><form method="POST" name="hiddenform" action="${escapeHtml(action)}">
${inputs}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript>
</form></body></html>`;
}
