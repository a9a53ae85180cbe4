/**
 * Only for the Microsoft 365 emulator: plays the customer's Global Admin in a browser — sign in (email, then
 * password), Accept on the permissions screen, and the redirect back to the portal's callback. Against real
 * Microsoft this is a person: send them the authorization URL instead. The emulator's pages are plain HTML
 * forms, so a few fetches do what the browser would (as the portal's own tests do).
 */
export async function consentInEmulator(
  authorizeUrl: string,
  portalUrl: string,
  admin: { login: string; password: string },
): Promise<void> {
  let cookie = "";
  const browse = async (url: string, form?: Record<string, string>) => {
    const response = await fetch(url, {
      redirect: "manual",
      method: form ? "POST" : "GET",
      headers: {
        cookie,
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const set = response.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0]!;
    return response;
  };
  const field = (html: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";

  let url = authorizeUrl;
  let response = await browse(url);
  for (let hops = 0; hops < 15; hops++) {
    const location = response.headers.get("location");
    if (location) {
      url = new URL(location, url).toString();
      // Back at the portal: its callback records the consent; the page after it (not under /api) ends the walk.
      if (url.startsWith(portalUrl) && !new URL(url).pathname.startsWith("/api/")) return;
      response = await browse(url);
      continue;
    }
    const html = await response.text();
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? "", url).toString();
    if (html.includes('name="step" value="email"')) {
      response = await browse(action, { ctx: field(html, "ctx"), step: "email", login: admin.login });
    } else if (html.includes('name="step" value="password"')) {
      response = await browse(action, {
        ctx: field(html, "ctx"),
        step: "password",
        login: admin.login,
        passwd: admin.password,
      });
    } else if (html.includes("Permissions requested")) {
      response = await browse(action, { ctx: field(html, "ctx"), action: "accept" });
    } else if (html.includes('id="return"')) {
      const href = /id="return" href="([^"]+)"/.exec(html)![1]!.replaceAll("&amp;", "&");
      response = await browse(new URL(href, url).toString());
    } else {
      throw new Error(`Unexpected page at ${url} (status ${response.status}): ${html.slice(0, 300)}`);
    }
  }
  throw new Error("The consent did not come back to the portal.");
}
