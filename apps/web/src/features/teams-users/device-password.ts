const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A generated SIP device password: 20 cryptographically random letters and digits (about 119 bits;
 * guide 002 allows no special characters).
 */
export function generateDevicePassword(length = 20): string {
  const out: string[] = [];
  const bytes = new Uint8Array(1);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    const b = bytes[0]!;
    if (b < 248) out.push(ALPHANUMERIC[b % 62]!); // 248 = 4 × 62: no modulo bias
  }
  return out.join("");
}
