/** The public surface of health: the liveness and readiness routes. */
export { healthRoutes } from "./routes.js";
