// The app registration settings are the operator's (operator-settings defines them); the port reads them.
export type { AppCertificate, MicrosoftAppSettings } from "../operator-settings/index.js";
