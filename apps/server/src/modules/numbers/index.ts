/** The public surface of the numbers module: the inventory's service and routes. */
export { NUMBERS_CSV_LIMITS } from "./csv.js";
export { numbersRoutes } from "./routes.js";
export {
  addNumbers,
  allocateNumbers,
  availableForEnterprise,
  claimNumber,
  endQuarantines,
  expandRange,
  listNumbers,
  MAX_RANGE,
  type NumberListQuery,
  releaseNumber,
  reportConflict,
  toE164,
} from "./service.js";
