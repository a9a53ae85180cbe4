import { Alert, Button, Group } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ifUnchanged } from "../../api/etag";
import { ConflictAlert, useApiErrors, useEditVersion } from "../../forms";
import { enterprisesKeys } from "./api";

/**
 * The key and Reload of a profile form (trunk or Teams): Reload refetches the profile and shows the form anew,
 * filled with what the server has now.
 */
export function useReloadableForm(refetch: () => Promise<unknown>) {
  const [generation, setGeneration] = useState(0);
  return {
    key: generation,
    reload: async () => {
      await refetch();
      setGeneration((n) => n + 1);
    },
  };
}

/**
 * Saving a profile form: sends the version the form shows (If-Match, or If-None-Match: * while there was no
 * profile), takes the new one, and on a 412 shows the conflict instead of overwriting (`ProfileSaveFooter`).
 */
export function useProfileSave(options: {
  accountId: string;
  /** What is saved, as the notification names it, e.g. "Trunk profile". */
  name: string;
  etag: string | null;
  fields: string[];
  queryKey: readonly unknown[];
  put: (header: ReturnType<typeof ifUnchanged>) => Promise<{ etag: string | null }>;
  onReload: () => Promise<void>;
}) {
  const queryClient = useQueryClient();
  const version = useEditVersion(options.etag);
  const errors = useApiErrors(options.fields);
  const save = useMutation({
    mutationFn: () => options.put(ifUnchanged(version.etag)),
    onMutate: () => errors.clear(),
    onSuccess: async (saved) => {
      version.saved(saved.etag);
      notifications.show({ color: "green", title: "Saved", message: `${options.name} saved.` });
      await queryClient.invalidateQueries({ queryKey: options.queryKey });
      await queryClient.invalidateQueries({ queryKey: enterprisesKeys.setup(options.accountId) });
    },
    onError: (error) => {
      if (!version.caught(error)) errors.show(error);
    },
  });
  const reload = useMutation({ mutationFn: options.onReload });
  /** The message for `field` or, failing that, for the first of its parts (e.g. `codecs.1`). */
  const err = (field: string) =>
    errors.fieldErrors[field] ??
    Object.entries(errors.fieldErrors).find(([key]) => key.startsWith(`${field}.`))?.[1];
  return { errors, err, version, save, reload };
}

/** The foot of a profile form: the message for what no input shows, the conflict with Reload, and Save. */
export function ProfileSaveFooter({
  saving,
  label,
  readOnly,
}: {
  saving: ReturnType<typeof useProfileSave>;
  label: string;
  readOnly: boolean;
}) {
  const { errors, version, save, reload } = saving;
  return (
    <>
      {errors.formError && <Alert color="red">{errors.formError}</Alert>}
      <ConflictAlert
        message={version.conflict}
        onReload={() => reload.mutate()}
        reloading={reload.isPending}
      />
      {!readOnly && (
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {label}
          </Button>
        </Group>
      )}
    </>
  );
}
