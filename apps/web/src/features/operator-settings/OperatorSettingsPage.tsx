import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  PasswordInput,
  Stack,
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
import { operatorSettingsQueries } from "./api";
import { CarrierTrunkCard } from "./CarrierTrunkCard";
import { DNS_FIELDS, DnsSettingsFields, dnsBody, dnsFormFrom } from "./DnsSettingsFields";
import { Regions } from "./RegionsCard";

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
