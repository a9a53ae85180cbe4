import { createHash, type KeyObject, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, importPKCS8, type JWK } from "jose";
import { newRsaKeyPem, selfSignedCertFor, writeFileAtomic } from "../tls/ca.js";

/** The RS256 key that signs every token, persisted in the data folder so tokens survive restarts. */
export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  publicKey: KeyObject;
  jwk: JWK;
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const keyPath = join(dataDir, "token-signing-key.pem");
  const certPath = join(dataDir, "token-signing-cert.pem");
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    const { privateKeyPem, publicKeyPem } = newRsaKeyPem();
    const certPem = selfSignedCertFor(privateKeyPem, publicKeyPem, "accounts.emulator.invalid");
    writeFileAtomic(keyPath, privateKeyPem);
    writeFileAtomic(certPath, certPem);
  }
  const privateKeyPem = readFileSync(keyPath, "utf8");
  const cert = new X509Certificate(readFileSync(certPath, "utf8"));
  const x5t = createHash("sha1").update(cert.raw).digest("base64url");
  const publicKey = cert.publicKey;
  const jwk = await exportJWK(publicKey);
  return {
    kid: x5t,
    privateKey: await importPKCS8(privateKeyPem, "RS256"),
    publicKey,
    jwk: { kty: "RSA", use: "sig", kid: x5t, x5t, n: jwk.n, e: jwk.e, x5c: [cert.raw.toString("base64")] },
  };
}
