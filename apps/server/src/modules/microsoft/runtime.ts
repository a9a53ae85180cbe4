import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { type EffectiveOperatorSettings, effectiveOperatorSettings } from "../operator-settings/service.js";
import { createTokenProvider, type TokenProvider } from "./tokens.js";

export interface MicrosoftDeps {
  db: Executor;
  config: Config;
  secrets: SecretBox;
}

export interface MicrosoftRuntime {
  settings(): Promise<EffectiveOperatorSettings>;
  tokens: TokenProvider;
  /** Forgets the cached settings (after the operator changed them). */
  reset(): void;
}

const runtimes = new WeakMap<object, MicrosoftRuntime>();

/** One token cache per running server (keyed by its database handle); settings re-read at most every 5 s. */
export function microsoftRuntime(deps: MicrosoftDeps): MicrosoftRuntime {
  let found = runtimes.get(deps.db);
  if (!found) {
    let cached: { at: number; value: Promise<EffectiveOperatorSettings> } | null = null;
    const settings = () => {
      if (!cached || Date.now() - cached.at > 5000) {
        cached = { at: Date.now(), value: effectiveOperatorSettings(deps) };
        cached.value.catch(() => {
          cached = null;
        });
      }
      return cached.value;
    };
    found = {
      settings,
      tokens: createTokenProvider(async () => (await settings()).microsoft),
      reset: () => {
        cached = null;
      },
    };
    runtimes.set(deps.db, found);
  }
  return found;
}
