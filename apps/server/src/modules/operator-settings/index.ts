/**
 * The public surface of operator-settings, the lowest onboarding module: the operator's settings in effect
 * (Microsoft app registration and endpoints, SBC base domain, DNS adapter, trunk record target), the SBC
 * regions, the operator-Admin policy and the routes. It imports no other onboarding module.
 */
export {
  DNS_ADAPTER_KINDS,
  type DnsAdapterKind,
  type DnsSettings,
  type Rfc2136Check,
  type Rfc2136Settings,
  type TrunkRecordTarget,
  TSIG_ALGORITHMS,
  type TsigAlgorithm,
} from "./dns-types.js";
export type { AppCertificate, MicrosoftAppSettings } from "./microsoft-app-settings.js";
export { assertOperatorAdmin } from "./policies.js";
export { sbcRegionRoutes } from "./region-routes.js";
export { type OperatorSettingsDeps, operatorSettingsRoutes } from "./routes.js";
export type { OperatorSettingsRow, SbcRegion } from "./schema.js";
export {
  type EffectiveOperatorSettings,
  effectiveOperatorSettings,
  findRegions,
  isDnsName,
  listRegions,
  loadSettingsRow,
  TEAMS_PHONE_STANDARD_SKU,
} from "./service.js";
