import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { ifMatch, unwrapVersioned } from "../../api/etag";
import { ConflictAlert, useEditVersion } from "../../forms";
import { CallLogs } from "../call-logs";
import { WaitingForMicrosoft } from "../enterprises/WaitingForMicrosoft";
import { SbcDeviceStatus } from "../sbc";
import { invalidateTeamsUsers, teamsUsersQueries } from "./api";
import { type DeviceRow, UserDevicesEditor } from "./UserDevicesEditor";

const stepLabel: Record<string, string> = {
  "assign-number": "Assign the number (Direct Routing)",
  "grant-voice-routing-policy": "Grant the voice routing policy",
  "grant-dial-plan": "Grant the dial plan",
  "disable-voicemail": "Turn Teams voicemail off",
  verify: "Read back the user's voice state",
  "unassign-number": "Unassign the number",
  "remove-voice-routing-policy": "Remove the voice routing policy",
  "remove-dial-plan": "Remove the dial plan",
};
const stepColor = {
  pending: "gray",
  running: "blue",
  done: "green",
  skipped: "gray",
  failed: "red",
} as const;

/** One provisioned user: provisioning steps with the last error, the voice state read back, edit, devices. */
export function UserDetailPage() {
  const { accountId, userId } = useParams({ from: "/a/$accountId/users/$userId" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const user = useQuery(teamsUsersQueries.user(accountId, userId));
  const options = useQuery(teamsUsersQueries.formOptions(accountId));
  const [form, setForm] = useState<{
    pbxLocation: string;
    regionId: string;
    sipUser: string;
    disableVoicemail: boolean;
    assignDialPlan: boolean;
  } | null>(null);
  const [devices, setDevices] = useState<DeviceRow[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  // The version the form was filled from (not the polled one): Save sends it as If-Match.
  const version = useEditVersion(null);
  const fillForm = (u: NonNullable<typeof user.data>) => {
    setForm({
      pbxLocation: u.pbxLocation,
      regionId: u.regionId,
      sipUser: u.sipUser,
      disableVoicemail: u.disableVoicemail,
      assignDialPlan: u.assignDialPlan,
    });
    setDevices(u.devices.map((d) => ({ id: d.id, authId: d.authId })));
    setErrors({});
    version.reloaded(u.etag);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: fills the form once, from the first answer.
  useEffect(() => {
    if (user.data && !form) fillForm(user.data);
  }, [user.data, form]);

  const refresh = () => {
    void invalidateTeamsUsers(queryClient, accountId);
  };
  const save = useMutation({
    mutationFn: () =>
      unwrapVersioned(
        api.PUT("/api/accounts/{accountId}/teams-users/{userId}", {
          params: { path: { accountId, userId }, header: ifMatch(version.etag) },
          body: {
            ...form!,
            devices: devices.map((d) => ({ id: d.id, authId: d.authId, password: d.password || undefined })),
          },
        }),
      ),
    onSuccess: (u) => {
      version.saved(u.etag);
      setErrors({});
      setNotice({ ok: true, text: "Saved." });
      setDevices(u.devices.map((d) => ({ id: d.id, authId: d.authId })));
      refresh();
    },
    onError: (e) => {
      if (version.caught(e)) return;
      if (e instanceof ApiError) setErrors(e.fieldErrors());
      setNotice({ ok: false, text: e.message });
    },
  });
  const reload = useMutation({
    mutationFn: async () => (await user.refetch()).data,
    onSuccess: (fresh) => {
      if (fresh) fillForm(fresh);
    },
  });
  const action = useMutation({
    mutationFn: async (kind: "enable" | "disable" | "retry" | "check-now" | "remove") => {
      const path = { accountId, userId };
      if (kind === "enable")
        return unwrap(
          api.POST("/api/accounts/{accountId}/teams-users/{userId}/enable-calling", { params: { path } }),
        );
      if (kind === "disable")
        return unwrap(
          api.POST("/api/accounts/{accountId}/teams-users/{userId}/disable-calling", { params: { path } }),
        );
      if (kind === "retry")
        return unwrap(api.POST("/api/accounts/{accountId}/teams-users/{userId}/retry", { params: { path } }));
      if (kind === "check-now")
        return unwrap(
          api.POST("/api/accounts/{accountId}/teams-users/{userId}/check-now", { params: { path } }),
        );
      await unwrap(api.DELETE("/api/accounts/{accountId}/teams-users/{userId}", { params: { path } }));
      await navigate({ to: "/a/$accountId/users", params: { accountId }, search: {} });
      return null;
    },
    onSuccess: refresh,
    onError: (e: Error) => setNotice({ ok: false, text: e.message }),
  });
  const reveal = useMutation({
    mutationFn: (deviceId: string) =>
      unwrap(
        api.POST("/api/accounts/{accountId}/teams-users/{userId}/devices/{deviceId}/reveal", {
          params: { path: { accountId, userId, deviceId } },
        }),
      ),
    onSuccess: (r, deviceId) =>
      setDevices((ds) => ds.map((d) => (d.id === deviceId ? { ...d, revealed: r.password } : d))),
  });

  const u = user.data;
  if (!u || !form) return <Text c="dimmed">Loading…</Text>;
  const enabled = u.callingEnabled && !u.deleting;

  return (
    <Stack maw={860}>
      <Group justify="space-between">
        <div>
          <Title order={2}>{u.displayName || u.userPrincipalName}</Title>
          <Text c="dimmed">{u.userPrincipalName}</Text>
        </div>
        <Group>
          {enabled ? (
            <Button variant="default" onClick={() => action.mutate("disable")}>
              Disable Calling
            </Button>
          ) : (
            <Button onClick={() => action.mutate("enable")} disabled={u.deleting}>
              Enable Calling
            </Button>
          )}
          {u.status === "failed" && (
            <Button variant="default" onClick={() => action.mutate("retry")}>
              Retry
            </Button>
          )}
          <Button color="red" variant="light" onClick={() => action.mutate("remove")}>
            Remove user
          </Button>
        </Group>
      </Group>
      {notice && (
        <Alert color={notice.ok ? "green" : "red"} withCloseButton onClose={() => setNotice(null)}>
          {notice.text}
        </Alert>
      )}
      {u.cleanupRequired && (
        <Alert color="orange">This user was removed from Microsoft 365: remove them here to clean up.</Alert>
      )}
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Group>
            <Text fw={500}>Provisioning</Text>
            <Badge data-testid="provisioning-status">{u.status}</Badge>
            <Text size="sm">
              Phone Number <Code>{u.phoneNumber}</Code>
            </Text>
          </Group>
          {u.lastError && !u.steps.some((s) => s.waitingForMicrosoft) && (
            <Alert color="red">{u.lastError}</Alert>
          )}
          {u.steps
            .filter((s) => s.waitingForMicrosoft && s.status !== "done")
            .map((s) => (
              <WaitingForMicrosoft
                key={s.key}
                wait={s.waitingForMicrosoft!}
                onCheckNow={() => action.mutate("check-now")}
                checking={action.isPending && action.variables === "check-now"}
              />
            ))}
          <Table>
            <Table.Tbody>
              {u.steps.map((s) => (
                <Table.Tr key={s.key} data-testid={`step-${s.key}`} data-status={s.status}>
                  <Table.Td>{stepLabel[s.key] ?? s.key}</Table.Td>
                  <Table.Td>
                    <Badge color={stepColor[s.status]} variant="light">
                      {s.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c={s.error && !s.waitingForMicrosoft ? "red" : "dimmed"}>
                      {s.error ?? (s.at ? new Date(s.at).toLocaleString() : "")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {u.observed && (
            <Text size="sm" c="dimmed">
              Microsoft reports: Enterprise Voice {u.observed.enterpriseVoiceEnabled ? "on" : "off"}; numbers{" "}
              {u.observed.numbers.join(", ") || "none"}; policies{" "}
              {Object.entries(u.observed.policies)
                .map(([k, v]) => `${k}: ${v}`)
                .join(", ") || "none"}{" "}
              ({new Date(u.observed.at).toLocaleString()})
            </Text>
          )}
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <Select
              label="PBX Locations"
              data={options.data?.pbxLocations ?? [form.pbxLocation]}
              value={form.pbxLocation}
              onChange={(v) => setForm({ ...form, pbxLocation: v ?? form.pbxLocation })}
              error={errors.pbxLocation}
              allowDeselect={false}
            />
            <Select
              label="Available Voice Routes"
              data={(options.data?.voiceRoutes ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={form.regionId}
              onChange={(v) => setForm({ ...form, regionId: v ?? form.regionId })}
              error={errors.regionId}
              allowDeselect={false}
            />
            <TextInput
              label="SIP User"
              value={form.sipUser}
              onChange={(e) => setForm({ ...form, sipUser: e.currentTarget.value })}
              error={errors.sipUser}
            />
            <Checkbox
              label="Disable Voicemail in Teams?"
              checked={form.disableVoicemail}
              onChange={(e) => setForm({ ...form, disableVoicemail: e.currentTarget.checked })}
            />
            <Checkbox
              label="Assign Default DialPlan Policy?"
              checked={form.assignDialPlan}
              onChange={(e) => setForm({ ...form, assignDialPlan: e.currentTarget.checked })}
            />
            <UserDevicesEditor
              devices={devices}
              onChange={setDevices}
              errors={errors}
              onReveal={(deviceId) => reveal.mutate(deviceId)}
            />
            <SbcDeviceStatus
              enterpriseId={accountId}
              deviceIds={devices.flatMap((d) => (d.id ? [d.id] : []))}
            />
            <ConflictAlert
              message={version.conflict}
              onReload={() => reload.mutate()}
              reloading={reload.isPending}
            />
            <Group justify="flex-end">
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Paper withBorder p="lg">
        <Stack>
          <Title order={3}>Call logs</Title>
          <CallLogs accountId={accountId} teamsUserId={userId} showEnterprise={false} />
        </Stack>
      </Paper>
    </Stack>
  );
}
