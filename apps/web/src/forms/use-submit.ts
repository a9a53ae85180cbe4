import { useCallback, useRef, useState } from "react";

/**
 * The one submit helper: runs a form's API call with `busy` set, hands whatever it throws to `onError`,
 * and ignores a second submit while the first is still running (a double click or Enter while the button
 * shows its loader would otherwise post twice).
 */
export function useSubmit(handlers: { onStart: () => void; onError: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const running = useRef(false);
  const latest = useRef(handlers);
  latest.current = handlers;
  const submit = useCallback(async (action: () => Promise<void>) => {
    if (running.current) return;
    running.current = true;
    latest.current.onStart();
    setBusy(true);
    try {
      await action();
    } catch (error) {
      latest.current.onError(error);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, submit };
}
