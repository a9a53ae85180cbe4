import { describe, expect, it } from "vitest";
import { checkPasswordPolicy, hashPassword, temporaryPassword, verifyPassword } from "./passwords.js";

const check = async (password: string, email = "ada.lovelace@example.test") =>
  (await checkPasswordPolicy(password, { email, field: "newPassword" })).map((e) => e.message);

describe("password policy", () => {
  it("accepts long, hard to guess passwords", async () => {
    expect(await check("correct horse battery staple")).toEqual([]);
    expect(await check("Tr0ub4dor&3-xylophone")).toEqual([]);
  });

  it("refuses short, guessable, repetitive and email-based passwords with the estimator's feedback", async () => {
    expect(await check("short")).toEqual(["Use at least 12 characters."]);
    for (const weak of [
      "passwordpassword",
      "password1234",
      "Password1234!",
      "P@ssw0rd2024!",
      "qwertyuiop123",
      "iloveyou2020!",
      "aaaaaaaaaaaaa",
      "abcabcabcabc",
      "123456789012",
    ]) {
      const messages = await check(weak);
      expect(messages, weak).toHaveLength(1);
      expect(messages[0], weak).toMatch(/\. \S.*\.$/);
    }
    expect(await check("passwordpassword")).toEqual([
      'Repeated character patterns like "abcabcabc" are easy to guess. Add more words that are less common. Avoid repeated words and characters.',
    ]);
    expect(await check("ada.lovelace@example.test!")).toEqual([
      "The password must not contain your email address.",
    ]);
    expect(await check("my ada.lovelace secret")).toEqual([
      "The password must not contain your email address.",
    ]);
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
