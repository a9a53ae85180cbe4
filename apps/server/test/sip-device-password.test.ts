import { describe, expect, it } from "vitest";
// The web's Add User page generates passwords in the browser with its own function.
import { generateDevicePassword as generateInBrowser } from "../../web/src/features/teams-users/device-password.js";
import { generateDevicePassword, PASSWORD_RULE } from "../src/modules/teams-users/service.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

describe.each([
  ["server (POST …/generate-password)", generateDevicePassword],
  ["web (Add User, Generate password)", generateInBrowser],
])("generated SIP device passwords: %s", (_where, generate) => {
  it("are at least 16 letters and digits (guide 002: alphanumeric only), accepted by the password rule", () => {
    for (let i = 0; i < 200; i++) {
      const password = generate();
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(password).toMatch(/^[A-Za-z0-9]+$/);
      expect(password).toMatch(PASSWORD_RULE);
    }
  });

  it("are random: no repeats, every letter and digit used, none favoured (no modulo bias)", () => {
    const samples = Array.from({ length: 10_000 }, () => generate());
    expect(new Set(samples).size).toBe(samples.length);
    const counts = new Map<string, number>();
    let total = 0;
    for (const password of samples)
      for (const char of password) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
        total++;
      }
    expect([...counts.keys()].sort().join("")).toBe([...ALPHABET].sort().join(""));
    // ≥ 16 × 10,000 / 62 ≈ 2,580 expected per character (σ ≈ 51): ±15% is over 7σ, so never chance,
    // while a modulo bias such as `byte % 62` makes 8 characters ~21% more frequent than the mean.
    const expected = total / ALPHABET.length;
    for (const [char, n] of counts) {
      expect(Math.abs(n - expected) / expected, `frequency of ${char}`).toBeLessThan(0.15);
    }
  });
});
