#!/usr/bin/env node
// SBC load (issue 11): the shipped Kamailio configuration in test mode (TCP toward "Microsoft",
// rtpengine in userspace) carries 50 calls/s for 20 s each way: SIPp as the PBX calling a Teams user,
// then SIPp as Microsoft calling the PBX (with a re-INVITE). Prints failures and INVITE→200
// p50/p95/p99 per direction; target 0 failures and p95 < 100 ms. Kamailio writes its call logs as in
// production (acc → acc_cdrs, the schema the portal installs), and the bench checks one answered CDR per
// successful call in each direction. Needs kamailio, sipp, rtpengine (sbc/README.md) and the built server
// (npm run build) for embedded PostgreSQL and the schema.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { report } from "./support/report.mjs";

const RATE = Number(process.env.BENCH_CALLS_PER_S ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TARGET_MS = 100;
const root = path.resolve(import.meta.dirname, "..");
const cfgDir = path.join(root, "sbc/kamailio");
const scenarios = path.join(root, "sbc/test");
const serverDist = (p) => new URL(`../apps/server/dist/${p}`, import.meta.url).href;
const { startEmbeddedPostgres, freePort } = await import(serverDist("db/embedded-postgres.js"));
const { ensureDatabase } = await import(serverDist("db/client.js"));
const { installKamailioSchema } = await import(serverDist("modules/sbc/kamailio/schema.js"));

for (const binary of ["/usr/sbin/kamailio", "/usr/bin/sipp", "/usr/bin/rtpengine"]) {
  if (!existsSync(binary)) {
    console.log(`sbc-load: ${binary} missing (see sbc/README.md); skipped`);
    process.exit(0);
  }
}

const ENT = randomUUID();
const BASE = "customers.sip2teams.test";
const FQDN = `acme.${BASE}`;
const NUMBER = "+15551230001";
const work = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-sbc-"));
const procs = [];
const start = (command, args) => {
  const child = spawn(command, args, { cwd: work, stdio: "ignore" });
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  procs.push(child);
  return { child, exited };
};
const waitUntil = async (what, probe) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

const postgres = await startEmbeddedPostgres(path.join(work, "pg"), () => {});
try {
  const ports = {};
  for (const name of ["ms", "pbx", "rpc", "ng", "msUas", "pbxUas"]) ports[name] = await freePort();
  const dbUrl = await ensureDatabase(postgres.url, "kamailio_bench");
  const schemaPool = new pg.Pool({ connectionString: dbUrl, max: 1 });
  await installKamailioSchema(schemaPool, "/usr/share/kamailio/postgres");
  await schemaPool.end();
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  await db.query("insert into domain (domain, did) values ($1, $2)", [FQDN, ENT]);
  await db.query("insert into address (grp, ip_addr, mask, port, tag) values (2, '127.0.0.1', 32, 0, $1)", [
    ENT,
  ]);
  await db.query(
    `insert into dispatcher (setid, destination, flags, priority, attrs, description) values
       (1, $1, 0, 0, 'sockname=ms', 'sip.pstnhub'), (100, $2, 0, 0, 'sockname=pbx', $3)`,
    [
      `sip:127.0.0.1:${ports.msUas};transport=tcp`,
      `sip:127.0.0.1:${ports.pbxUas};transport=udp`,
      `pbx:${ENT}`,
    ],
  );
  const keys = [
    [`ent:${ENT}:fqdn`, FQDN],
    [`ent:${ENT}:pbxset`, "100"],
    [`ent:${ENT}:domain`, "pbx.acme.test"],
    [`ent:${ENT}:mode`, "static-ip"],
    [`fqdn:${FQDN}`, ENT],
    [`num:${NUMBER}:ent`, ENT],
    [`num:${NUMBER}:dev`, randomUUID()],
    [`num:${NUMBER}:sipuser`, "1001"],
  ];
  for (const [key, value] of keys) {
    await db.query(
      "insert into htable (key_name, key_type, value_type, key_value, expires) values ($1, 0, 0, $2, 0)",
      [key, value],
    );
  }
  await db.end();

  start("/usr/bin/rtpengine", [
    "--foreground",
    "--table=-1",
    "--interface=127.0.0.1",
    `--listen-ng=127.0.0.1:${ports.ng}`,
    `--listen-cli=127.0.0.1:${await freePort()}`,
    `--listen-http=127.0.0.1:${await freePort()}`,
    "--port-min=42000",
    "--port-max=49999",
    "--delete-delay=0",
    "--log-level=3",
    `--pidfile=${path.join(work, "rtpengine.pid")}`,
  ]);
  const kamDir = path.join(work, "kamailio");
  mkdirSync(path.join(kamDir, "run"), { recursive: true });
  for (const file of readdirSync(cfgDir))
    if (file.endsWith(".cfg")) copyFileSync(path.join(cfgDir, file), path.join(kamDir, file));
  writeFileSync(
    path.join(kamDir, "kamailio-local.cfg"),
    [
      "#!define WITH_TESTMODE",
      "#!define WITH_RTPENGINE",
      "#!define LOG_LEVEL 1",
      "#!define DS_PING_INTERVAL 600",
      `#!substdef "!RTPENGINE_SOCK!udp:127.0.0.1:${ports.ng}!g"`,
      `#!substdef "!DBURL!${dbUrl}!g"`,
      `#!substdef "!SBC_BASE_DOMAIN!${BASE}!g"`,
      `#!substdef "!MS_LISTEN!tcp:127.0.0.1:${ports.ms}!g"`,
      `#!substdef "!MS_ADV_PORT!${ports.ms}!g"`,
      `#!substdef "!PBX_LISTEN!udp:127.0.0.1:${ports.pbx}!g"`,
      `#!substdef "!PBX_ADVERTISE!127.0.0.1:${ports.pbx}!g"`,
      `#!substdef "!RPC_LISTEN!tcp:127.0.0.1:${ports.rpc}!g"`,
      '#!substdef "!TOPOH_KEY!bench-key!g"',
      '#!substdef "!TOPOH_MASK_IP!10.255.255.1!g"',
      "",
    ].join("\n"),
  );
  start("/usr/sbin/kamailio", [
    "-DD",
    "-E",
    "-f",
    path.join(kamDir, "kamailio.cfg"),
    "-Y",
    path.join(kamDir, "run"),
    "-m",
    "128",
    "-M",
    "16",
  ]);
  await waitUntil("Kamailio JSON-RPC", async () => {
    const response = await fetch(`http://127.0.0.1:${ports.rpc}/RPC`, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", method: "core.version", id: 1 }),
    });
    return response.ok;
  });
  const server = (scenario, port, transport) =>
    start("/usr/bin/sipp", [
      `127.0.0.1:${transport === "t1" ? ports.ms : ports.pbx}`,
      "-p",
      String(port),
      "-t",
      transport,
      "-sf",
      path.join(scenarios, scenario),
      "-nostdin",
    ]);
  server("teams-ms-uas.xml", ports.msUas, "t1");
  server("teams-pbx-uas.xml", ports.pbxUas, "u1");

  /** One direction: RATE calls/s for SECONDS s; returns failures and sorted INVITE→200 times in ms. */
  const direction = async (name, scenario, target, args) => {
    const total = RATE * SECONDS;
    const run = start("/usr/bin/sipp", [
      target,
      "-sf",
      path.join(scenarios, scenario),
      "-r",
      String(RATE),
      "-m",
      String(total),
      "-l",
      String(RATE * 10),
      "-nostdin",
      "-timeout",
      String(SECONDS + 60),
      "-recv_timeout",
      "10000",
      "-trace_rtt",
      "-rtt_freq",
      "1",
      "-trace_stat",
      "-stf",
      path.join(work, `${name}-stat.csv`),
      ...args,
    ]);
    await run.exited;
    const rttFile = readdirSync(work).find(
      (file) => file.startsWith(scenario.replace(".xml", "")) && file.endsWith("_rtt.csv"),
    );
    const times = rttFile
      ? readFileSync(path.join(work, rttFile), "utf8")
          .split("\n")
          .slice(1)
          .map((line) => Number(line.split(";")[1]))
          .filter((n) => Number.isFinite(n) && n >= 0)
          .sort((a, b) => a - b)
      : [];
    const stat = readFileSync(path.join(work, `${name}-stat.csv`), "utf8")
      .trim()
      .split("\n");
    const header = stat[0].split(";");
    const last = stat.at(-1).split(";");
    const successful = Number(last[header.indexOf("SuccessfulCall(C)")]);
    return { total, successful, failures: total - successful, times };
  };
  const pct = (xs, p) =>
    xs.length ? xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : Number.NaN;

  const results = [
    [
      "pbx-to-teams",
      "PBX → Teams",
      await direction("pbx-to-teams", "teams-pbx-call.xml", `127.0.0.1:${ports.pbx}`, [
        "-s",
        NUMBER,
        "-key",
        "host",
        `127.0.0.1:${ports.pbx}`,
        "-key",
        "from",
        "5559990000",
        "-key",
        "pai",
        "5559990000",
        "-d",
        "0",
      ]),
    ],
    [
      "teams-to-pbx",
      "Teams → PBX",
      await direction("teams-to-pbx", "teams-ms-call.xml", `127.0.0.1:${ports.ms}`, [
        "-t",
        "t1",
        "-i",
        "127.0.0.1",
        "-s",
        "5550100",
        "-key",
        "pai",
        NUMBER,
        "-key",
        "fqdn",
        FQDN,
      ]),
    ],
  ];
  let worstP95 = 0;
  let failures = 0;
  console.log(`sbc-load: ${RATE} calls/s for ${SECONDS} s each way through Kamailio + rtpengine (loopback)`);
  for (const [, label, r] of results) {
    const p95 = pct(r.times, 95);
    worstP95 = Math.max(worstP95, Number.isNaN(p95) ? Number.POSITIVE_INFINITY : p95);
    failures += r.failures;
    console.log(
      `  ${label.padEnd(12)} ${String(r.total).padStart(5)} calls  ${String(r.failures).padStart(4)} failed   INVITE→200 p50 ${pct(r.times, 50).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   p99 ${pct(r.times, 99).toFixed(1).padStart(6)} ms`,
    );
  }
  // acc writes a CDR when the dialog ends: the last BYEs may still be in flight when SIPp exits.
  const answeredCdrs = async () => {
    const cdrDb = new pg.Client({ connectionString: dbUrl });
    await cdrDb.connect();
    try {
      const { rows } = await cdrDb.query(
        "select s2t_direction as direction, count(*)::int as calls from acc_cdrs where s2t_code like '2%' group by 1",
      );
      return Object.fromEntries(rows.map((row) => [row.direction, row.calls]));
    } finally {
      await cdrDb.end();
    }
  };
  const expected = Object.fromEntries(results.map(([direction, , r]) => [direction, r.successful]));
  const allWritten = (cdrs) => results.every(([direction]) => (cdrs[direction] ?? 0) >= expected[direction]);
  let cdrs = await answeredCdrs();
  for (let tries = 0; tries < 50 && !allWritten(cdrs); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    cdrs = await answeredCdrs();
  }
  const cdrsMatch = results.every(([direction]) => (cdrs[direction] ?? 0) === expected[direction]);
  const cdrSummary = results
    .map(([direction, label]) => `${label} ${cdrs[direction] ?? 0}/${expected[direction]}`)
    .join(", ");
  console.log(`  call logs (answered CDRs / successful calls): ${cdrSummary}`);
  report("sbc-load", [
    { measure: "calls failed", target: "0", measured: String(failures), pass: failures === 0 },
    {
      measure: "INVITE→200 p95, worse direction",
      target: `< ${TARGET_MS} ms`,
      measured: `${worstP95.toFixed(1)} ms`,
      pass: worstP95 < TARGET_MS,
    },
    {
      measure: "call logs: answered CDRs / successful calls",
      target: "one each",
      measured: cdrSummary,
      pass: cdrsMatch,
    },
  ]);
} finally {
  for (const child of procs) if (child.exitCode === null) child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 500));
  await postgres.stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
