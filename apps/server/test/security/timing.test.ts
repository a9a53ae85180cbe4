import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/modules/identity/passwords.js";
import { portalUsers } from "../../src/modules/identity/schema.js";
import { createAccountTree } from "../support/factories.js";
import { mannWhitneyZ } from "../support/mann-whitney.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { printFigures } from "./figures.js";

/**
 * Issue 16 item 4, last figure: no user enumeration by timing. Sign-in (a known user with a wrong password
 * against an unknown user) and forgot-password (known against unknown) are timed in interleaved pairs, each
 * username once and from its own address (so no lockout or rate limit shapes the times), and compared with
 * a Mann-Whitney U test. |z| ≥ 3 (the two told apart with ~99.7 % confidence) fails the suite.
 */
const PAIRS = 60;
const PASSWORD = "the right password for timing 1";

describe("security figures: response times of known and unknown users", () => {
  let t: TestApp;
  let known: string[];
  let address = 0;

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: "warn" }, { workers: false });
    const tree = await createAccountTree(t.deps.db);
    const passwordHash = await hashPassword(PASSWORD);
    const rows = Array.from({ length: 2 * PAIRS }, (_, i) => ({
      accountId: tree.partner.id,
      email: `timing-${i}-${Date.now()}@example.test`,
      name: `Timing ${i}`,
      role: "User" as const,
      status: "active" as const,
      passwordHash,
    }));
    await t.deps.db.insert(portalUsers).values(rows);
    known = rows.map((row) => row.email);
  });
  afterAll(() => t?.stop());

  const nextAddress = () => {
    const n = address++;
    return `198.51.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  };

  /** Times `send` for known and unknown usernames in interleaved pairs, alternating which goes first. */
  async function timePairs(
    usernames: string[],
    send: (username: string) => Promise<{ statusCode: number; body: string }>,
  ) {
    const time = async (username: string) => {
      const started = performance.now();
      const response = await send(username);
      return { elapsed: performance.now() - started, status: response.statusCode, body: response.body };
    };
    // Warm both paths up (first argon2 and first queries are slower).
    for (let i = 0; i < 4; i++) await time(`warm-up-${i}-${Date.now()}@example.test`);
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    const answers = new Set<string>();
    for (const [i, username] of usernames.entries()) {
      const stranger = `nobody-${username}`;
      const [a, b] =
        i % 2 === 0
          ? [await time(username), await time(stranger)]
          : [await time(stranger), await time(username)];
      const [k, u] = i % 2 === 0 ? [a, b] : [b, a];
      knownTimes.push(k.elapsed);
      unknownTimes.push(u.elapsed);
      answers.add(`${k.status} ${k.body.replace(/"requestId":"[^"]*"/, "")}`);
      answers.add(`${u.status} ${u.body.replace(/"requestId":"[^"]*"/, "")}`);
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    return {
      z: mannWhitneyZ(knownTimes, unknownTimes),
      knownMedian: median(knownTimes),
      unknownMedian: median(unknownTimes),
      answers: [...answers],
    };
  }

  it(`cannot tell known from unknown users by sign-in or forgot-password times (${PAIRS} pairs each)`, async () => {
    const signIn = await timePairs(known.slice(0, PAIRS), (username) =>
      t.app.inject({
        method: "POST",
        url: "/api/auth/sign-in",
        payload: { username, password: "a wrong password for timing" },
        remoteAddress: nextAddress(),
      }),
    );
    const forgot = await timePairs(known.slice(PAIRS), (username) =>
      t.app.inject({
        method: "POST",
        url: "/api/auth/forgot-password",
        payload: { username },
        remoteAddress: nextAddress(),
      }),
    );

    const line = (r: typeof signIn) =>
      `|z| = ${Math.abs(r.z).toFixed(2)} (known ${r.knownMedian.toFixed(1)} ms, unknown ${r.unknownMedian.toFixed(1)} ms median)`;
    printFigures("user enumeration by timing (Mann-Whitney U, fails at |z| ≥ 3)", {
      "sign-in, known vs unknown": line(signIn),
      "forgot-password, known vs unknown": line(forgot),
      "distinct answers (sign-in / forgot-password)": `${signIn.answers.length} / ${forgot.answers.length}`,
    });
    // The same answer for both, or the body itself enumerates.
    expect(signIn.answers).toHaveLength(1);
    expect(forgot.answers).toHaveLength(1);
    expect(Math.abs(signIn.z), `sign-in z = ${signIn.z.toFixed(2)}`).toBeLessThan(3);
    expect(Math.abs(forgot.z), `forgot-password z = ${forgot.z.toFixed(2)}`).toBeLessThan(3);
  }, 300_000);
});
