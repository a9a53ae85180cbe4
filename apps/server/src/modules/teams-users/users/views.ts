import { z } from "zod";
import { text, uuid } from "../../../http/schema-primitives.js";
import { waitingForMicrosoftView } from "../../microsoft/index.js";

const stepView = z.object({
  key: z.string(),
  status: z.enum(["pending", "running", "done", "skipped", "failed"]),
  at: z.string().optional(),
  error: z.string().optional(),
  /** "Waiting for Microsoft: <what>" (e.g. Teams provisioning of the user): since, usual/max delay, next check. */
  waitingForMicrosoft: waitingForMicrosoftView.nullable(),
});

type Waiting = z.infer<typeof stepView>["waitingForMicrosoft"];

/** The user as the API shows it: each step's wait (kept in the step's data) as `waitingForMicrosoft`. */
export function withWaits<T extends { steps: { data?: Record<string, unknown> }[] }>(
  user: T,
): Omit<T, "steps"> & { steps: (T["steps"][number] & { waitingForMicrosoft: Waiting })[] } {
  return {
    ...user,
    steps: user.steps.map((step) => ({
      ...step,
      waitingForMicrosoft: (step.data?.waiting as Waiting | undefined) ?? null,
    })),
  };
}

export const provisioningStatus = z.enum(["pending-consent", "queued", "running", "done", "failed"]);

const deviceInput = z.object({
  id: uuid().optional(),
  authId: text(64).trim(),
  password: text(64).optional(),
});

export const userInput = z.object({
  /** A synced Teams user's object id… */
  teamsUserObjectId: text(64).default(""),
  /** …or, before consent, the user's UPN (checked in Microsoft once consent exists). */
  teamsUserPrincipalName: text(256).optional(),
  pbxLocation: text(200),
  regionId: text(64),
  sipUser: text(64).trim(),
  phoneNumber: text(32).trim(),
  disableVoicemail: z.boolean().default(true),
  assignDialPlan: z.boolean().default(true),
  devices: z.array(deviceInput).max(20).default([]),
});

export const userDetail = z
  .object({
    id: z.string(),
    teamsUserObjectId: z.string(),
    userPrincipalName: z.string(),
    displayName: z.string(),
    pbxLocation: z.string(),
    regionId: z.string(),
    sipUser: z.string(),
    phoneNumber: z.string(),
    disableVoicemail: z.boolean(),
    assignDialPlan: z.boolean(),
    callingEnabled: z.boolean(),
    deleting: z.boolean(),
    cleanupRequired: z.boolean(),
    status: provisioningStatus,
    steps: z.array(stepView),
    lastError: z.string().nullable(),
    observed: z
      .object({
        enterpriseVoiceEnabled: z.boolean(),
        numbers: z.array(z.string()),
        policies: z.record(z.string(), z.string()),
        at: z.string(),
      })
      .nullable(),
    devices: z.array(z.object({ id: z.string(), authId: z.string() })),
  })
  .meta({ id: "ProvisionedUser" });
