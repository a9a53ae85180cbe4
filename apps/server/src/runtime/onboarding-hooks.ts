import type { Database } from "../db/client.js";
import type { JobQueue } from "../jobs/job-queue.js";
import {
  applyCarrierTrunkIfOperator,
  checkRfc2136,
  enterpriseProgressReader,
  setupStarted,
  startSetupIfReady,
} from "../modules/direct-routing-setup/index.js";
import type { EnterprisesDeps } from "../modules/enterprises/index.js";
import type { MicrosoftRoutesDeps } from "../modules/microsoft/index.js";
import type { OperatorSettingsDeps } from "../modules/operator-settings/index.js";
import type { TrunksDeps } from "../modules/trunks/index.js";

/**
 * The onboarding modules run one way (operator-settings → enterprises → trunks, teams-profiles →
 * microsoft → direct-routing-setup). Where a lower module must reach a higher one, it declares a function
 * in its deps type; this wires those functions to direct-routing-setup.
 */
export function onboardingHooks(deps: {
  db: Database;
  jobs: Pick<JobQueue, "enqueue">;
}): Pick<EnterprisesDeps, "enterpriseProgress"> &
  Pick<TrunksDeps, "setupStarted" | "startSetupIfReady"> &
  Pick<MicrosoftRoutesDeps, "consentHooks"> &
  Pick<OperatorSettingsDeps, "checkRfc2136"> {
  return {
    enterpriseProgress: enterpriseProgressReader(deps.db),
    setupStarted,
    startSetupIfReady: (enterpriseAccountId, options) =>
      startSetupIfReady(deps, enterpriseAccountId, options),
    checkRfc2136: (settings) => checkRfc2136(settings),
    consentHooks: {
      // An enterprise's consent starts (or refreshes) its setup; the operator's applies the carrier trunk.
      async connected(accountId) {
        await startSetupIfReady(deps, accountId, { recheck: true });
        await applyCarrierTrunkIfOperator(deps, accountId);
      },
    },
  };
}
