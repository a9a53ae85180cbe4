/** The app registration and the Microsoft endpoints in effect (Operator settings over the environment). */
export interface AppCertificate {
  /** SHA-256 thumbprint of the certificate, hex. */
  thumbprintSha256: string;
  certificatePem: string;
  privateKeyPem: string;
}

export interface MicrosoftAppSettings {
  clientId: string | null;
  clientSecret: string | null;
  /** When set, the app authenticates with this certificate (client assertion) instead of the secret. */
  certificate: AppCertificate | null;
  loginUrl: string;
  graphUrl: string;
  teamsAdminUrl: string;
  /** True when the endpoints are the built-in Microsoft 365 emulator's. */
  emulated: boolean;
}
