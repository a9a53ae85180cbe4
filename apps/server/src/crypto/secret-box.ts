import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM for secrets at rest (SIP passwords, client secrets, tokens).
 * Sealed form: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so keys can rotate:
 * the current key seals, any known key opens.
 */
export interface SecretBox {
  readonly currentKeyId: string;
  seal(plaintext: string, associatedData?: string): string;
  open(sealed: string, associatedData?: string): string;
}

export function createSecretBox(currentKeyId: string, keys: Record<string, Buffer>): SecretBox {
  const currentKey = keys[currentKeyId];
  if (currentKey?.length !== 32) throw new Error(`secret key "${currentKeyId}" must be 32 bytes`);
  return {
    currentKeyId,
    seal(plaintext, associatedData = "") {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", currentKey, iv);
      cipher.setAAD(Buffer.from(associatedData));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        "v1",
        currentKeyId,
        iv.toString("base64url"),
        tag.toString("base64url"),
        ciphertext.toString("base64url"),
      ].join(".");
    },
    open(sealed, associatedData = "") {
      const [version, keyId, iv, tag, ciphertext] = sealed.split(".");
      if (version !== "v1" || !keyId || !iv || !tag || ciphertext === undefined)
        throw new Error("not a sealed secret");
      const key = keys[keyId];
      if (!key) throw new Error(`unknown secret key id "${keyId}"`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    },
  };
}
