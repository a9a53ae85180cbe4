/** The public surface of the dashboard: the contributor interface other modules implement, and its route. */
export { dashboardRoutes } from "./routes.js";
export {
  type ActionItem,
  buildDashboard,
  type DashboardAccount,
  type DashboardContributor,
  type DashboardCount,
} from "./service.js";
