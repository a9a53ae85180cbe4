import { z } from "zod";

/** "Waiting for Microsoft: <what>" as the API shows it: since when, Microsoft's usual and maximum delay, the next check. */
export const waitingForMicrosoftView = z.object({
  what: z.string(),
  since: z.string(),
  usualDelaySeconds: z.number(),
  maxDelaySeconds: z.number(),
  nextCheckAt: z.string(),
});
