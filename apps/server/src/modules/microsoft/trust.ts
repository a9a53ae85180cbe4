import tls from "node:tls";

const trusted = new Set<string>();

/**
 * Adds a CA (PEM) to the process-wide default trust store, on top of the system CAs, so fetch, msal-node
 * and jose reach a local HTTPS authority such as the Microsoft 365 emulator. Idempotent.
 */
export function trustExtraCa(pem: string): void {
  if (trusted.has(pem)) return;
  trusted.add(pem);
  tls.setDefaultCACertificates([...tls.getCACertificates("default"), pem]);
}
