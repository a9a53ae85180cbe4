import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import { invalidateTeamsUsers, startSync } from "./api";

/**
 * Sync Teams Users: the button's mutation, started once on its own when the dashboard's action item lands on
 * the page with ?sync=1, and once on the first visit after the Microsoft connection (no sync yet).
 */
export function useTeamsUsersSync(
  accountId: string,
  state: { requested: boolean; neverSynced: boolean; onError: (message: string) => void },
) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sync = useMutation({
    mutationFn: () => startSync(accountId),
    onSuccess: () => invalidateTeamsUsers(queryClient, accountId),
    onError: (e: Error) => state.onError(e.message),
  });

  const started = useRef(false);
  useEffect(() => {
    if (state.requested && !started.current) {
      started.current = true;
      sync.mutate();
      void navigate({ to: "/a/$accountId/users", params: { accountId }, search: {}, replace: true });
    }
  }, [state.requested, accountId, navigate, sync]);

  const firstSync = useRef(false);
  useEffect(() => {
    if (state.neverSynced && !firstSync.current) {
      firstSync.current = true;
      sync.mutate();
    }
  }, [state.neverSynced, sync]);

  return sync;
}
