import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect } from "react";
import { ApiError, api, setCsrfToken, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { queryClient } from "./query-client";

export type Session = components["schemas"]["Session"];

export const sessionQueryKey = ["session"] as const;

/** The signed-in session, or null when signed out. Also primes the CSRF token for writes. */
export async function fetchSession(): Promise<Session | null> {
  try {
    const session = await unwrap(api.GET("/api/session"));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function ensureSession(): Promise<Session | null> {
  return queryClient.ensureQueryData({ queryKey: sessionQueryKey, queryFn: fetchSession });
}

export function useSession() {
  return useQuery({ queryKey: sessionQueryKey, queryFn: fetchSession });
}

/** After sign-in or activation: remember the new session without another round trip. */
export function adoptSession(session: Session) {
  setCsrfToken(session.csrfToken);
  queryClient.setQueryData(sessionQueryKey, session);
}

export async function signOut() {
  await unwrap(api.POST("/api/session/sign-out"));
  setCsrfToken(null);
  queryClient.clear();
}

/**
 * When the session ends while the portal is open (idle timeout, signed out elsewhere, disabled), the next
 * API call answers 401: forget the session and go to the sign-in page, coming back here afterwards.
 */
export function useRedirectWhenSignedOut() {
  const navigate = useNavigate();
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        const error = event.query.state.error;
        if (event.type !== "updated" || !(error instanceof ApiError) || error.status !== 401) return;
        setCsrfToken(null);
        queryClient.setQueryData(sessionQueryKey, null);
        void navigate({ to: "/sign-in", search: { redirect: window.location.pathname } });
      }),
    [navigate],
  );
}
