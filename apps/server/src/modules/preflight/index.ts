/** The public surface of the preflight module: the tenant health check, its report and its route. */
export type { PreflightDeps } from "./deps.js";
export type { PreflightLine, PreflightStatus } from "./policies.js";
export { preflightRoutes } from "./routes.js";
export { type PreflightReport, runPreflight } from "./service.js";
