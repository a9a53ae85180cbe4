import { z } from "zod";

const enterpriseId = z.string().describe("The enterprise (customer account) the event is about.");
const teamsUser = {
  enterpriseId,
  userId: z.string().describe("The provisioned user's id in the portal."),
  userPrincipalName: z.string(),
};

/** The `data` of each event type. Adding a type: add it here, emit it, and list it in docs/webhooks.md. */
export const webhookEventData = {
  "consent.granted": z
    .object({ enterpriseId, tenantId: z.string().describe("The Microsoft 365 tenant id.") })
    .meta({ id: "WebhookConsentGranted" }),
  "consent.revoked": z
    .object({ enterpriseId, tenantId: z.string().nullable() })
    .meta({ id: "WebhookConsentRevoked" }),
  "setup.step-changed": z
    .object({
      enterpriseId,
      step: z.string().describe("The Direct Routing setup step's key."),
      status: z.string().describe("Its new status (pending, running, done, failed, …)."),
      error: z.string().nullable(),
    })
    .meta({ id: "WebhookSetupStepChanged" }),
  "setup.completed": z.object({ enterpriseId }).meta({ id: "WebhookSetupCompleted" }),
  "setup.failed": z
    .object({ enterpriseId, step: z.string(), error: z.string() })
    .meta({ id: "WebhookSetupFailed" }),
  "user.provisioned": z.object(teamsUser).meta({ id: "WebhookUserProvisioned" }),
  "user.failed": z.object({ ...teamsUser, error: z.string() }).meta({ id: "WebhookUserFailed" }),
  "user.deprovisioned": z.object(teamsUser).meta({ id: "WebhookUserDeprovisioned" }),
  "calling.enabled": z.object(teamsUser).meta({ id: "WebhookCallingEnabled" }),
  "calling.disabled": z.object(teamsUser).meta({ id: "WebhookCallingDisabled" }),
  "sbc.trunk-up": z
    .object({ enterpriseId, trunk: z.string().describe("The trunk's SIP address (FQDN or IP).") })
    .meta({ id: "WebhookSbcTrunkUp" }),
  "sbc.trunk-down": z
    .object({ enterpriseId, trunk: z.string(), reason: z.string().nullable() })
    .meta({ id: "WebhookSbcTrunkDown" }),
  "bulk-import.finished": z
    .object({
      enterpriseId,
      importId: z.string(),
      status: z.enum(["completed", "failed", "cancelled"]),
    })
    .meta({ id: "WebhookBulkImportFinished" }),
} as const;

export type WebhookEventType = keyof typeof webhookEventData;
export const webhookEventTypes = Object.keys(webhookEventData) as [WebhookEventType, ...WebhookEventType[]];
export const webhookEventTypeSchema = z.enum(webhookEventTypes);

export type WebhookEventDataOf<T extends WebhookEventType> = z.infer<(typeof webhookEventData)[T]>;

/** What an endpoint receives: the Standard Webhooks payload shape `{ type, timestamp, data }`. */
export const webhookPayloadSchema = z
  .discriminatedUnion(
    "type",
    webhookEventTypes.map((type) =>
      z.object({
        type: z.literal(type),
        timestamp: z.string().describe("When the event happened (ISO 8601)."),
        accountId: z.string().describe("The account the event happened in."),
        data: webhookEventData[type],
      }),
    ) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]],
  )
  .meta({ id: "WebhookPayload" });
