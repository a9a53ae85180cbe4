export { RegistrationBadge, SbcDeviceStatus, SbcTrunkStatus, useSbcStatus } from "./SbcStatus";
