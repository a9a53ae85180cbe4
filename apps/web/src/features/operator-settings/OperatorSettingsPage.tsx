import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  PasswordInput,
  Stack,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApiErrors } from "../../forms";
import { operatorSettingsKeys, operatorSettingsQueries } from "./api";
import { CarrierTrunkCard } from "./CarrierTrunkCard";
import { DNS_FIELDS, DnsSettingsFields, dnsBody, dnsFormFrom } from "./DnsSettingsFields";

type Settings = components["schemas"]["OperatorSettings"];

/** The operator's platform settings: SBC base domain and regions, Microsoft app registration, consent texts. */
export function OperatorSettingsPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const settings = useQuery(operatorSettingsQueries.settings(accountId));
  if (settings.isPending) return <Loader />;
  if (settings.isError) return <Alert color="red">{settings.error.message}</Alert>;
  return (
    <Stack maw={900}>
      <Title order={2}>Operator settings</Title>
      <SettingsForm accountId={accountId} settings={settings.data} />
      <Regions accountId={accountId} />
      <CarrierTrunkCard accountId={accountId} />
    </Stack>
  );
}

const FIELDS = [
  "sbcBaseDomain",
  "portalDisplayName",
  "publisher",
  "appClientId",
  "appClientSecret",
  "loginUrl",
  "graphUrl",
  "teamsAdminUrl",
  "teamsPhoneSkuId",
  ...DNS_FIELDS,
];

function SettingsForm({ accountId, settings }: { accountId: string; settings: Settings }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    sbcBaseDomain: settings.sbcBaseDomain ?? "",
    portalDisplayName: settings.portalDisplayName ?? "",
    publisher: settings.publisher ?? "",
    appClientId: settings.appClientId ?? "",
    appClientSecret: "",
    loginUrl: settings.loginUrl ?? "",
    graphUrl: settings.graphUrl ?? "",
    teamsAdminUrl: settings.teamsAdminUrl ?? "",
    teamsPhoneSkuId: settings.teamsPhoneSkuId ?? "",
    appCertificatePem: "",
    appPrivateKeyPem: "",
    removeCertificate: false,
  });
  const [dns, setDns] = useState(() => dnsFormFrom(settings));
  const errors = useApiErrors(FIELDS);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/accounts/{accountId}/operator-settings", {
          params: { path: { accountId } },
          body: {
            ...form,
            removeCertificate: undefined,
            appClientSecret: form.appClientSecret ? form.appClientSecret : undefined,
            ...(form.removeCertificate
              ? { appCertificatePem: null, appPrivateKeyPem: null }
              : form.appCertificatePem || form.appPrivateKeyPem
                ? { appCertificatePem: form.appCertificatePem, appPrivateKeyPem: form.appPrivateKeyPem }
                : {}),
            ...dnsBody(dns),
          },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: (data) => {
      queryClient.setQueryData(["operator-settings", accountId], data);
      notifications.show({ color: "green", title: "Saved", message: "Operator settings saved." });
    },
    onError: (error) => errors.show(error),
  });
  const text = (
    key: Exclude<keyof typeof form, "removeCertificate">,
    label: string,
    placeholder?: string,
    description?: string,
  ) => (
    <TextInput
      label={label}
      description={description}
      placeholder={placeholder}
      value={form[key]}
      onChange={(e) => setForm({ ...form, [key]: e.currentTarget.value })}
      error={errors.fieldErrors[key]}
    />
  );
  const eff = settings.effective;
  return (
    <Stack>
      <Card withBorder>
        <Title order={4} mb="sm">
          SBC and Direct Routing
        </Title>
        <Stack>
          {text(
            "sbcBaseDomain",
            "SBC base domain",
            "customers.sbc.example.net",
            "Trunk FQDNs are <label>.<this domain>",
          )}
          <DnsSettingsFields
            accountId={accountId}
            settings={settings}
            form={dns}
            onChange={(patch) => setDns({ ...dns, ...patch })}
            fieldErrors={errors.fieldErrors}
          />
          {text(
            "teamsPhoneSkuId",
            "Teams Phone SKU for activation users",
            eff.teamsPhoneSkuId,
            "Default: Teams Phone Standard (MCOEV)",
          )}
        </Stack>
      </Card>
      <Card withBorder>
        <Group mb="sm">
          <Title order={4}>Microsoft app registration</Title>
          {eff.emulated && <Badge color="grape">Microsoft 365 emulator</Badge>}
        </Group>
        <Stack>
          {text("appClientId", "Client id", eff.appClientId ?? "from MICROSOFT_CLIENT_ID")}
          <PasswordInput
            label="Client secret"
            description={
              settings.appClientSecretSet
                ? "Stored encrypted. Leave empty to keep it."
                : "Stored encrypted; never shown again."
            }
            value={form.appClientSecret}
            onChange={(e) => setForm({ ...form, appClientSecret: e.currentTarget.value })}
            error={errors.fieldErrors.appClientSecret}
          />
          {settings.appCertificate && !form.removeCertificate ? (
            <Group>
              <Text size="sm">
                Certificate: {settings.appCertificate.subject} · SHA-256{" "}
                {settings.appCertificate.thumbprintSha256.slice(0, 16)}… · valid to{" "}
                {new Date(settings.appCertificate.validTo).toLocaleDateString()}
              </Text>
              <Button
                size="xs"
                variant="subtle"
                color="red"
                onClick={() => setForm({ ...form, removeCertificate: true })}
              >
                Remove certificate
              </Button>
            </Group>
          ) : (
            <Group grow align="flex-start">
              <Textarea
                label="Certificate (PEM, optional)"
                description="Used instead of the client secret when set"
                autosize
                minRows={2}
                maxRows={6}
                value={form.appCertificatePem}
                onChange={(e) =>
                  setForm({ ...form, appCertificatePem: e.currentTarget.value, removeCertificate: false })
                }
                error={errors.fieldErrors.appCertificatePem}
              />
              <Textarea
                label="Private key (PEM)"
                description="Stored encrypted; never shown again"
                autosize
                minRows={2}
                maxRows={6}
                value={form.appPrivateKeyPem}
                onChange={(e) =>
                  setForm({ ...form, appPrivateKeyPem: e.currentTarget.value, removeCertificate: false })
                }
                error={errors.fieldErrors.appPrivateKeyPem}
              />
            </Group>
          )}
          {text("loginUrl", "Identity platform URL", eff.loginUrl)}
          {text("graphUrl", "Microsoft Graph URL", eff.graphUrl)}
          {text("teamsAdminUrl", "Teams admin API URL", eff.teamsAdminUrl)}
          {text("portalDisplayName", "Portal display name (consent texts)", eff.portalDisplayName)}
          {text("publisher", "Publisher", eff.publisher)}
        </Stack>
      </Card>
      {errors.formError && <Alert color="red">{errors.formError}</Alert>}
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          Save settings
        </Button>
      </Group>
    </Stack>
  );
}

function Regions({ accountId }: { accountId: string }) {
  const queryClient = useQueryClient();
  const regions = useQuery(operatorSettingsQueries.sbcRegions(accountId));
  const [form, setForm] = useState({ name: "", sbcFqdns: [] as string[], sipPort: 5061 as number | string });
  const errors = useApiErrors(["name", "sbcFqdns", "sipPort"]);
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/sbc-regions", {
          params: { path: { accountId } },
          body: { name: form.name, sbcFqdns: form.sbcFqdns, sipPort: Number(form.sipPort) },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: async () => {
      setForm({ name: "", sbcFqdns: [], sipPort: 5061 });
      await queryClient.invalidateQueries({ queryKey: operatorSettingsKeys.sbcRegions(accountId) });
    },
    onError: (error) => errors.show(error),
  });
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        SBC regions
      </Title>
      {regions.data?.items.length === 0 && (
        <Text size="sm" c="dimmed" mb="sm">
          No regions yet. Add one per SBC location (e.g. CA Central, US West); partners pick them when adding
          an enterprise.
        </Text>
      )}
      {(regions.data?.items.length ?? 0) > 0 && (
        <Table mb="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Region</Table.Th>
              <Table.Th>SBC FQDNs</Table.Th>
              <Table.Th>SIP port</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {regions.data?.items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.name}</Table.Td>
                <Table.Td>{r.sbcFqdns.join(", ")}</Table.Td>
                <Table.Td>{r.sipPort}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end">
        <TextInput
          label="Region name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          error={errors.fieldErrors.name}
        />
        <TagsInput
          label="SBC FQDNs"
          value={form.sbcFqdns}
          onChange={(v) => setForm({ ...form, sbcFqdns: v })}
          error={
            errors.fieldErrors.sbcFqdns ??
            Object.entries(errors.fieldErrors).find(([k]) => k.startsWith("sbcFqdns."))?.[1]
          }
        />
        <NumberInput
          label="SIP port"
          value={form.sipPort}
          onChange={(v) => setForm({ ...form, sipPort: v })}
          error={errors.fieldErrors.sipPort}
          w={120}
        />
        <Button onClick={() => add.mutate()} loading={add.isPending}>
          Add region
        </Button>
      </Group>
      {errors.formError && (
        <Alert color="red" mt="sm">
          {errors.formError}
        </Alert>
      )}
    </Card>
  );
}
