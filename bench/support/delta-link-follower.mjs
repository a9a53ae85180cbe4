#!/usr/bin/env node
// The floor of a first sync on this machine: a process that only follows a tenant's Graph users/delta links, as
// the worker asks for them (same $select, $top and Prefer, node:https on kept-alive connections), reading each
// page only until its next link and nothing else: no parsing, no database. sync-50k runs it beside the real
// sync at the same per-page latency, so its ratio says what Node's HTTP and TLS and the emulator cost here.
// Usage: delta-link-follower.mjs <graphUrl> <loginUrl> <tenantId> <clientId> <clientSecret> <caFile>
// Prints {"pages":n,"ms":wall from the first request to the last page's links}.
import { readFileSync } from "node:fs";
import https from "node:https";
import tls from "node:tls";

const [graphUrl, loginUrl, tenantId, clientId, clientSecret, caFile] = process.argv.slice(2);
tls.setDefaultCACertificates([...tls.getCACertificates("default"), readFileSync(caFile, "utf8")]);
const SELECT =
  "id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,assignedPlans,userType,isResourceAccount";

const tokenAnswer = await fetch(`${loginUrl}/${tenantId}/oauth2/v2.0/token`, {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
    scope: "https://graph.microsoft.com/.default",
  }),
});
const { access_token: token } = await tokenAnswer.json();
const agent = new https.Agent({ keepAlive: true });
const headers = {
  authorization: `Bearer ${token}`,
  accept: "application/json",
  prefer: "odata.maxpagesize=999",
};

/** The page's next link, read from its first bytes; the rest of the answer is received and dropped. */
const nextLinkOf = (url) =>
  new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers }, (answer) => {
        if (answer.statusCode !== 200) {
          answer.resume();
          return reject(new Error(`GET ${url}: ${answer.statusCode}`));
        }
        let head = "";
        const onData = (chunk) => {
          head += chunk.toString("latin1");
          if (!head.includes('"value"')) return;
          answer.off("data", onData);
          answer.resume();
          resolve(/"@odata\.nextLink"\s*:\s*"([^"]+)"/.exec(head)?.[1] ?? null);
        };
        answer.on("data", onData);
      })
      .on("error", reject);
  });

const started = performance.now();
let pages = 0;
for (let url = `${graphUrl}/v1.0/users/delta?$select=${SELECT}&$top=999`; url; pages++) {
  url = await nextLinkOf(url);
}
console.log(JSON.stringify({ pages, ms: performance.now() - started }));
agent.destroy();
