import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pagePreloader } from "./page-preloads.js";

const dist = mkdtempSync(path.join(tmpdir(), "sip2teams-page-preloads-"));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const INDEX = `<!doctype html>
<html>
  <head>
    <title>sip2teams</title>
  </head>
  <body></body>
</html>`;
writeFileSync(path.join(dist, "index.html"), INDEX);
writeFileSync(
  path.join(dist, "page-preloads.json"),
  JSON.stringify([
    {
      path: "/a/:accountId/users",
      modules: ["/assets/shell-1.js", "/assets/UsersPage-2.js"],
      styles: ["/assets/UsersPage-3.css"],
      data: ["/api/accounts/:accountId/teams-users?filter=all&pageSize=50"],
    },
    { path: "/a/:accountId/*", modules: ["/assets/shell-1.js"], data: [] },
  ]),
);
const pageFor = pagePreloader(dist);
const ACCOUNT = "3f6a1d2e-8b4c-4e5f-9a0b-1c2d3e4f5a6b";

describe("pagePreloader", () => {
  it("names a page's chunks and first answer in the head of index.html", () => {
    const html = pageFor(`/a/${ACCOUNT}/users`);
    expect(html).toContain(
      `<link rel="preload" as="fetch" crossorigin="anonymous" href="/api/accounts/${ACCOUNT}/teams-users?filter=all&pageSize=50" />`,
    );
    expect(html).toContain('<link rel="modulepreload" crossorigin href="/assets/UsersPage-2.js" />');
    expect(html).toContain('<link rel="preload" as="style" crossorigin href="/assets/UsersPage-3.css" />');
    expect(html!.indexOf("modulepreload")).toBeLessThan(html!.indexOf("</head>"));
    expect(html!.replace(/\s*<link [^>]*\/>/g, "")).toBe(INDEX.replace(/\s*<\/head>/, "\n  </head>"));
  });

  it("takes the first page that matches: a deeper page of the account gets the shell only", () => {
    const html = pageFor(`/a/${ACCOUNT}/numbers`);
    expect(html).toContain("/assets/shell-1.js");
    expect(html).not.toContain("UsersPage");
    expect(html).not.toContain('as="fetch"');
    expect(pageFor(`/a/${ACCOUNT}/users/some-user`)).not.toContain("UsersPage");
  });

  it("names no answers for a page URL with a query string (it may ask for other ones)", () => {
    const html = pageFor(`/a/${ACCOUNT}/users?filter=failed`);
    expect(html).toContain("/assets/UsersPage-2.js");
    expect(html).not.toContain('as="fetch"');
  });

  it("gives nothing for pages the build lists nothing for, or a parameter that is not an id", () => {
    expect(pageFor("/sign-in")).toBeNull();
    expect(pageFor("/a")).toBeNull();
    expect(pageFor(`/a/${ACCOUNT}`)).toBeNull();
    expect(pageFor('/a/x"><script>alert(1)</script>/users')).toBeNull();
    expect(pageFor("/a/%22onload%3D/users")).toBeNull();
  });

  it("gives nothing when the build has no list (an older build, or the dev server's)", () => {
    const bare = mkdtempSync(path.join(tmpdir(), "sip2teams-page-preloads-bare-"));
    writeFileSync(path.join(bare, "index.html"), INDEX);
    expect(pagePreloader(bare)(`/a/${ACCOUNT}/users`)).toBeNull();
    rmSync(bare, { recursive: true, force: true });
  });
});
