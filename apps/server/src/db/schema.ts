// Every table of every module, for drizzle-kit (migrations). The composition layer: the runtime never imports it.
export * from "../modules/audit/schema.js";
export * from "../modules/bulk-import/schema.js";
export * from "../modules/direct-routing-setup/schema.js";
export * from "../modules/enterprises/schema.js";
export * from "../modules/identity/schema.js";
export * from "../modules/mail/schema.js";
export * from "../modules/microsoft/schema.js";
export * from "../modules/numbers/schema.js";
export * from "../modules/operator-settings/schema.js";
export * from "../modules/pbx-directory/schema.js";
export * from "../modules/sbc/schema.js";
export * from "../modules/teams-profiles/schema.js";
export * from "../modules/teams-users/schema.js";
export * from "../modules/tenancy/schema.js";
export * from "../modules/trunks/schema.js";
export * from "../modules/usage/schema.js";
export * from "../modules/webhooks/schema.js";
