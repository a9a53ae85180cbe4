import { Alert, Badge, Button, Card, Group, Loader, NumberInput, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApiErrors } from "../../forms";
import { operatorSettingsQueries } from "./api";

type CarrierTrunk = components["schemas"]["CarrierTrunk"];

const stateBadge: Record<CarrierTrunk["state"], { color: string; label: string }> = {
  "not-connected": { color: "gray", label: "Not connected" },
  configuring: { color: "blue", label: "Configuring" },
  ready: { color: "green", label: "Ready" },
  failed: { color: "red", label: "Failed" },
};

/**
 * The carrier's own Microsoft 365 tenant and its base-domain trunk (New-CsOnlinePSTNGateway), which every
 * customer's derived trunk depends on.
 */
export function CarrierTrunkCard({ accountId }: { accountId: string }) {
  const queryClient = useQueryClient();
  const trunk = useQuery(operatorSettingsQueries.carrierTrunk(accountId));
  const [form, setForm] = useState({
    sipSignalingPort: 5061 as number | string,
    maxConcurrentSessions: 100 as number | string,
  });
  const savedPort = trunk.data?.sipSignalingPort;
  const savedSessions = trunk.data?.maxConcurrentSessions;
  useEffect(() => {
    if (savedPort !== undefined && savedSessions !== undefined)
      setForm({ sipSignalingPort: savedPort, maxConcurrentSessions: savedSessions });
  }, [savedPort, savedSessions]);
  const errors = useApiErrors(["sipSignalingPort", "maxConcurrentSessions"]);
  const refresh = (data: CarrierTrunk) => queryClient.setQueryData(["carrier-trunk", accountId], data);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/accounts/{accountId}/carrier-trunk", {
          params: { path: { accountId } },
          body: {
            sipSignalingPort: Number(form.sipSignalingPort),
            maxConcurrentSessions: Number(form.maxConcurrentSessions),
          },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: refresh,
    onError: (error) => errors.show(error),
  });
  const reapply = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/accounts/{accountId}/carrier-trunk/apply", { params: { path: { accountId } } })),
    onMutate: () => errors.clear(),
    onSuccess: refresh,
    onError: (error) => errors.show(error),
  });
  const connect = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/carrier-trunk/connect", { params: { path: { accountId } } }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
    onError: (error) => errors.show(error),
  });
  if (trunk.isPending) return <Loader />;
  if (trunk.isError) return <Alert color="red">{trunk.error.message}</Alert>;
  const t = trunk.data;
  const badge = stateBadge[t.state];
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Carrier trunk</Title>
        <Badge color={badge.color} variant="light" data-testid="carrier-trunk-state">
          {badge.label}
        </Badge>
      </Group>
      <Stack>
        <Text size="sm" c="dimmed">
          Microsoft accepts customers' derived trunks (&lt;customer&gt;.{t.fqdn ?? "<SBC base domain>"}) only
          while the base-domain trunk exists in your own Microsoft 365 tenant. Connect it with a Global Admin
          of your tenant; the portal then creates or updates the trunk.
        </Text>
        {t.tenantDomain ? (
          <Text size="sm">
            Carrier tenant: <b>{t.tenantDomain}</b> · trunk <b>{t.fqdn ?? "—"}</b>
            {t.appliedAt ? ` · applied ${new Date(t.appliedAt).toLocaleString()}` : ""}
          </Text>
        ) : (
          <Text size="sm">The carrier tenant is not connected.</Text>
        )}
        {t.state === "failed" && t.error && (
          <Alert color="red" title="The carrier trunk could not be applied">
            {t.error}
          </Alert>
        )}
        {t.state === "configuring" && t.error && <Alert color="blue">{t.error}</Alert>}
        {errors.formError && <Alert color="red">{errors.formError}</Alert>}
        <Group align="flex-end">
          <NumberInput
            label="SIP signalling port"
            min={1}
            max={65535}
            value={form.sipSignalingPort}
            onChange={(v) => setForm({ ...form, sipSignalingPort: v })}
            error={errors.fieldErrors.sipSignalingPort}
          />
          <NumberInput
            label="Max concurrent sessions"
            min={1}
            max={100000}
            value={form.maxConcurrentSessions}
            onChange={(v) => setForm({ ...form, maxConcurrentSessions: v })}
            error={errors.fieldErrors.maxConcurrentSessions}
          />
          <Button variant="default" onClick={() => save.mutate()} loading={save.isPending}>
            Save trunk settings
          </Button>
        </Group>
        <Group>
          <Button onClick={() => connect.mutate()} loading={connect.isPending}>
            {t.tenantDomain ? "Connect the carrier tenant again" : "Connect the carrier tenant"}
          </Button>
          {t.state !== "not-connected" && (
            <Button variant="light" onClick={() => reapply.mutate()} loading={reapply.isPending}>
              Re-apply
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
