import type { Database } from "../../db/client.js";
import { accountRepository } from "../tenancy/index.js";
import { emitEvent } from "../webhooks/index.js";
import type { SbcAdapter, SbcEnterpriseStatus } from "./adapter.js";
import { type TrunkState, trunkStateRepository } from "./trunk-state-repository.js";

export interface SeenTrunkState {
  state: TrunkState;
  /** The probed PBX destination's host (FQDN or IP). */
  trunk: string;
  reason: string | null;
}

/** `sip:pbx.example:5060;transport=udp` → `pbx.example`; `sip:[2001:db8::1]:5060` → `2001:db8::1`. */
function hostOf(uri: string): string {
  const hostPort = uri.replace(/^sips?:/, "").replace(/[;?].*$/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(hostPort);
  return bracketed ? bracketed[1]! : hostPort.split(":")[0]!;
}

/**
 * The PBX trunk's OPTIONS state from the SBC's live status: up when a PBX destination answers, down when
 * every one is unreachable; null when it cannot tell (SBC not reachable, still probing, no trunk), so a
 * gap in monitoring is never reported as the trunk going down. With several SBC nodes it reads the merged
 * states (`status-merge.ts`): up when any answering node sees the PBX answer, down only when every
 * answering node sees every destination unreachable; a node that does not answer counts for nothing.
 */
export function trunkStateOf(status: SbcEnterpriseStatus): SeenTrunkState | null {
  if (!status.live.reachable || status.pbx.length === 0) return null;
  const up = status.pbx.find((d) => d.state === "reachable");
  if (up) return { state: "up", trunk: hostOf(up.uri), reason: null };
  if (status.pbx.every((d) => d.state === "unreachable"))
    return { state: "down", trunk: hostOf(status.pbx[0]!.uri), reason: "SIP OPTIONS not answered" };
  return null;
}

/**
 * Saves what was seen; when it differs from the last-seen state, emits `sbc.trunk-up`/`sbc.trunk-down` in the
 * same transaction. Returns the event type emitted, if any.
 */
export async function recordTrunkState(
  db: Database,
  enterpriseId: string,
  seen: SeenTrunkState,
): Promise<"sbc.trunk-up" | "sbc.trunk-down" | null> {
  return db.transaction(async (tx) => {
    // The enterprise may be gone from the portal while the SBC still holds it: nothing to report to.
    if (!(await accountRepository(tx).findById(enterpriseId))) return null;
    const states = trunkStateRepository(tx);
    const last = await states.lock(enterpriseId);
    if (last?.state === seen.state) {
      await states.touch(enterpriseId);
      return null;
    }
    await states.save(enterpriseId, { state: seen.state, trunk: seen.trunk });
    if (seen.state === "up") {
      await emitEvent(tx, {
        accountId: enterpriseId,
        type: "sbc.trunk-up",
        data: { enterpriseId, trunk: seen.trunk },
      });
      return "sbc.trunk-up";
    }
    await emitEvent(tx, {
      accountId: enterpriseId,
      type: "sbc.trunk-down",
      data: { enterpriseId, trunk: seen.trunk, reason: seen.reason },
    });
    return "sbc.trunk-down";
  });
}

/** One pass of the watch: every enterprise the SBC holds, its trunk state read and recorded. */
export async function checkTrunkStates(deps: { db: Database }, adapter: SbcAdapter): Promise<void> {
  for (const enterpriseId of await adapter.enterpriseIds()) {
    const seen = trunkStateOf(await adapter.status(enterpriseId));
    if (seen) await recordTrunkState(deps.db, enterpriseId, seen);
  }
}
