import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "./secret-box.js";

describe("secret box", () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it("round-trips and never contains the plaintext", () => {
    const box = createSecretBox("k1", { k1 });
    const sealed = box.seal("Sip-Pass-123", "device:42");
    expect(sealed.startsWith("v1.k1.")).toBe(true);
    expect(sealed).not.toContain("Sip-Pass-123");
    expect(box.open(sealed, "device:42")).toBe("Sip-Pass-123");
  });

  it("refuses tampered ciphertext and the wrong associated data", () => {
    const box = createSecretBox("k1", { k1 });
    const sealed = box.seal("secret", "a");
    const parts = sealed.split(".");
    parts[4] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open(parts.join("."), "a")).toThrow();
    expect(() => box.open(sealed, "b")).toThrow();
  });

  it("opens secrets sealed under an older key after rotation", () => {
    const old = createSecretBox("k1", { k1 });
    const sealed = old.seal("client-secret");
    const rotated = createSecretBox("k2", { k1, k2 });
    expect(rotated.open(sealed)).toBe("client-secret");
    expect(rotated.seal("x").startsWith("v1.k2.")).toBe(true);
  });
});
