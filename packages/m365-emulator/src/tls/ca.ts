import { generateKeyPairSync, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import forge from "node-forge";
import { loadOrCreateFileSet } from "./files.js";

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  certPath: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const CA_CERT_FILE = "emulator-ca.pem";
const CA_KEY_FILE = "emulator-ca-key.pem";

function newRsaKeyPem(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function serialNumber(): string {
  // Positive serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

/** Loads the CA from dataDir, or creates it on first run. */
export function loadOrCreateCa(dataDir: string): CertificateAuthority {
  const files = loadOrCreateFileSet(dataDir, [CA_CERT_FILE, CA_KEY_FILE], () => {
    const { privateKeyPem, publicKeyPem } = newRsaKeyPem();
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
    cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
    const subject = [
      { name: "commonName", value: "sip2teams M365 Emulator CA" },
      { name: "organizationName", value: "sip2teams emulator" },
    ];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
    return { [CA_CERT_FILE]: forge.pki.certificateToPem(cert), [CA_KEY_FILE]: privateKeyPem };
  });
  return {
    certPem: files[CA_CERT_FILE] as string,
    keyPem: files[CA_KEY_FILE] as string,
    certPath: join(dataDir, CA_CERT_FILE),
  };
}

/** Issues a fresh leaf certificate for the given host names and IPs, signed by the CA. */
export function issueServerCertificate(ca: CertificateAuthority, hosts: string[]): ServerCertificate {
  const { privateKeyPem, publicKeyPem } = newRsaKeyPem();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [...new Set(hosts)].map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKeyPem };
}

/** Self-signed certificate wrapping the token-signing key, published as x5c in the JWKS. */
export function selfSignedCertFor(privateKeyPem: string, publicKeyPem: string, commonName: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: "commonName", value: commonName }]);
  cert.setIssuer([{ name: "commonName", value: commonName }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export { newRsaKeyPem };
