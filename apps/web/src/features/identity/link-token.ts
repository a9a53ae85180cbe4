import { useEffect, useState } from "react";

/**
 * The token of an emailed link. Links put it in the fragment (`#token=…`), which browsers never send to the
 * server, so it stays out of logs; `?token=` is accepted too. Read once, then removed from the address bar.
 */
export function useLinkToken(): string | undefined {
  const [token] = useState(() => {
    const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("token");
    const fromQuery = new URLSearchParams(window.location.search).get("token");
    return fromHash ?? fromQuery ?? undefined;
  });
  useEffect(() => {
    if (token) window.history.replaceState(window.history.state, "", window.location.pathname);
  }, [token]);
  return token;
}
