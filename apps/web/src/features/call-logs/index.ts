export { CallLogs } from "./CallLogs";
