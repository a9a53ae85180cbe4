import { useEffect, useSyncExternalStore } from "react";

// The primary colour of the brand on screen (sign-in page or portal), read by the Mantine provider in
// main.tsx. A tiny store, because the provider sits above the router and the queries that know the brand.
let current: string | null = null;
const listeners = new Set<() => void>();

function setBrandColor(color: string | null) {
  if (color === current) return;
  current = color;
  for (const listener of listeners) listener();
}

export function useBrandColor(): string | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** Makes `color` (#rrggbb) the theme's primary colour while the calling page shows its brand. */
export function useApplyBrandColor(color: string | null | undefined, disabled = false) {
  useEffect(() => {
    if (!disabled) setBrandColor(color ?? null);
  }, [color, disabled]);
}
