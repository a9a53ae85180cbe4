import { createHash, type KeyObject, X509Certificate } from "node:crypto";
import { exportJWK, importPKCS8, type JWK } from "jose";
import { newRsaKeyPem, selfSignedCertFor } from "../tls/ca.js";
import { loadOrCreateFileSet } from "../tls/files.js";

/** The RS256 key that signs every token, persisted in the data folder so tokens survive restarts. */
export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  publicKey: KeyObject;
  jwk: JWK;
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const files = loadOrCreateFileSet(dataDir, ["token-signing-key.pem", "token-signing-cert.pem"], () => {
    const { privateKeyPem, publicKeyPem } = newRsaKeyPem();
    return {
      "token-signing-key.pem": privateKeyPem,
      "token-signing-cert.pem": selfSignedCertFor(privateKeyPem, publicKeyPem, "accounts.emulator.invalid"),
    };
  });
  const privateKeyPem = files["token-signing-key.pem"] as string;
  const cert = new X509Certificate(files["token-signing-cert.pem"] as string);
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
