/**
 * The public surface of the audit log: `recordAudit` (inside the transaction that made the change), the
 * request's audit context, reading the log, and its routes.
 */
export {
  type AuditContext,
  type AuditEntry,
  type AuditRepository,
  type AuditRow,
  auditRepository,
  recordAudit,
  withoutSecrets,
} from "./repository.js";
export { auditRoutes } from "./routes.js";
export {
  type AuditFilters,
  type AuditService,
  auditCsv,
  auditService,
  decodeAuditCursor,
  requestAuditContext,
} from "./service.js";
