import { describe, expect, it } from "vitest";
import { COMMON_PASSWORDS } from "./common-passwords.js";
import { checkPasswordPolicy, hashPassword, temporaryPassword, verifyPassword } from "./passwords.js";

const check = (password: string, email = "ada.lovelace@example.test") =>
  checkPasswordPolicy(password, { email, field: "newPassword" }).map((e) => e.message);

describe("password policy", () => {
  it("ships a list of thousands of common passwords", () => {
    expect(COMMON_PASSWORDS.length).toBeGreaterThan(5000);
  });

  it("accepts long, uncommon passwords", () => {
    expect(check("correct horse battery staple")).toEqual([]);
    expect(check("Tr0ub4dor&3-xylophone")).toEqual([]);
  });

  it("refuses short, common, repetitive and email-based passwords", () => {
    expect(check("short")).toEqual(["Use at least 12 characters."]);
    for (const common of [
      "password1234",
      "Password1234!",
      "P@ssw0rd2024!",
      "qwertyuiop123",
      "iloveyou2020!",
      "aaaaaaaaaaaaa",
      "abcabcabcabc",
      "123456789012",
    ]) {
      expect(check(common), common).toEqual([
        "This password is too common. Choose something harder to guess.",
      ]);
    }
    expect(check("ada.lovelace@example.test!")).toEqual([
      "The password must not contain your email address.",
    ]);
    expect(check("my ada.lovelace secret")).toEqual(["The password must not contain your email address."]);
  });

  it("hashes with argon2id and verifies", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(hash, "correct horse battery staple")).resolves.toBe(true);
    await expect(verifyPassword(hash, "wrong")).resolves.toBe(false);
    await expect(verifyPassword(null, "anything")).resolves.toBe(false);
  });

  it("makes 16-character temporary passwords without look-alike characters", () => {
    const samples = Array.from({ length: 50 }, temporaryPassword);
    for (const sample of samples) expect(sample).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
    expect(new Set(samples).size).toBe(50);
  });
});
