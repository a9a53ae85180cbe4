// Every table of every module, for Drizzle's relational queries and for drizzle-kit.
export * from "../modules/audit/schema.js";
export * from "../modules/identity/schema.js";
export * from "../modules/mail/schema.js";
export * from "../modules/tenancy/schema.js";
