import {
  Alert,
  Button,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  TagsInput,
  TextInput,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApiErrors } from "../../forms";

type Settings = components["schemas"]["OperatorSettings"];

/** The DNS part of the operator settings form (saved with the rest of it). */
export interface DnsForm {
  dnsAdapter: string;
  dnsServer: string;
  dnsPort: number | string;
  dnsZone: string;
  dnsTsigKeyName: string;
  dnsTsigAlgorithm: string;
  dnsTsigSecret: string;
  trunkRecordType: string;
  trunkRecordAddresses: string[];
  trunkRecordCname: string;
}

export const DNS_FIELDS = [
  "dnsAdapter",
  "dnsServer",
  "dnsPort",
  "dnsZone",
  "dnsTsigKeyName",
  "dnsTsigAlgorithm",
  "dnsTsigSecret",
  "trunkRecordType",
  "trunkRecordAddresses",
  ...Array.from({ length: 20 }, (_, i) => `trunkRecordAddresses.${i}`),
  "trunkRecordCname",
];

export function dnsFormFrom(settings: Settings): DnsForm {
  return {
    dnsAdapter: settings.dnsAdapter ?? "",
    dnsServer: settings.dnsServer ?? "",
    dnsPort: settings.dnsPort ?? "",
    dnsZone: settings.dnsZone ?? "",
    dnsTsigKeyName: settings.dnsTsigKeyName ?? "",
    dnsTsigAlgorithm: settings.dnsTsigAlgorithm ?? "hmac-sha256",
    dnsTsigSecret: "",
    trunkRecordType: settings.trunkRecordType ?? "",
    trunkRecordAddresses: settings.trunkRecordAddresses,
    trunkRecordCname: settings.trunkRecordCname ?? "",
  };
}

function rfc2136Body(form: DnsForm) {
  return {
    dnsServer: form.dnsServer || null,
    dnsPort: form.dnsPort === "" ? null : Number(form.dnsPort),
    dnsZone: form.dnsZone || null,
    dnsTsigKeyName: form.dnsTsigKeyName || null,
    dnsTsigAlgorithm: (form.dnsTsigAlgorithm || null) as "hmac-sha256" | "hmac-sha512" | null,
    // Empty keeps the stored secret.
    dnsTsigSecret: form.dnsTsigSecret || undefined,
  };
}

/** The body fields of PUT …/operator-settings for the DNS part. */
export function dnsBody(form: DnsForm) {
  return {
    dnsAdapter: (form.dnsAdapter || null) as "manual" | "emulator" | "rfc2136" | null,
    ...rfc2136Body(form),
    trunkRecordType: (form.trunkRecordType || null) as "address" | "CNAME" | null,
    trunkRecordAddresses: form.trunkRecordType === "address" ? form.trunkRecordAddresses : [],
    trunkRecordCname: form.trunkRecordType === "CNAME" ? form.trunkRecordCname || null : null,
  };
}

export function DnsSettingsFields({
  accountId,
  settings,
  form,
  onChange,
  fieldErrors,
}: {
  accountId: string;
  settings: Settings;
  form: DnsForm;
  onChange: (patch: Partial<DnsForm>) => void;
  fieldErrors: Record<string, string>;
}) {
  const testErrors = useApiErrors(DNS_FIELDS);
  const test = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/operator-settings/dns-test", {
          params: { path: { accountId } },
          body: rfc2136Body(form),
        }),
      ),
    onMutate: () => testErrors.clear(),
    onError: (error) => testErrors.show(error),
  });
  const error = (field: string) => testErrors.fieldErrors[field] ?? fieldErrors[field];
  const text = (key: "dnsServer" | "dnsZone" | "dnsTsigKeyName", label: string, placeholder: string) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={form[key]}
      onChange={(e) => onChange({ [key]: e.currentTarget.value })}
      error={error(key)}
    />
  );
  return (
    <Stack>
      <Select
        label="DNS for trunk subdomains"
        description="Manual: the checklist shows each record to add. RFC 2136: the portal updates your zone itself (BIND, Knot, PowerDNS…)."
        data={[
          { value: "", label: `Default (${settings.effective.dnsAdapter})` },
          { value: "manual", label: "Manual" },
          { value: "emulator", label: "Microsoft 365 emulator" },
          { value: "rfc2136", label: "RFC 2136 dynamic update (TSIG)" },
        ]}
        value={form.dnsAdapter}
        onChange={(v) => onChange({ dnsAdapter: v ?? "" })}
        error={error("dnsAdapter")}
      />
      {form.dnsAdapter === "rfc2136" && (
        <Stack pl="md">
          <Group grow align="flex-start">
            {text("dnsServer", "Primary DNS server", "ns1.example.net or 192.0.2.53")}
            <NumberInput
              label="DNS server port"
              placeholder="53"
              value={form.dnsPort}
              onChange={(v) => onChange({ dnsPort: v })}
              error={error("dnsPort")}
              maw={120}
            />
          </Group>
          {text("dnsZone", "Zone", "sbc.example.net")}
          <Group grow align="flex-start">
            {text("dnsTsigKeyName", "TSIG key name", "sip2teams-key")}
            <Select
              label="TSIG algorithm"
              data={["hmac-sha256", "hmac-sha512"]}
              value={form.dnsTsigAlgorithm}
              onChange={(v) => onChange({ dnsTsigAlgorithm: v ?? "hmac-sha256" })}
              error={error("dnsTsigAlgorithm")}
            />
          </Group>
          <PasswordInput
            label="TSIG secret"
            description={
              settings.dnsTsigSecretSet
                ? "Stored encrypted. Leave empty to keep it."
                : "Base64, as tsig-keygen prints it. Stored encrypted; never shown again."
            }
            value={form.dnsTsigSecret}
            onChange={(e) => onChange({ dnsTsigSecret: e.currentTarget.value })}
            error={error("dnsTsigSecret")}
          />
          <Group>
            <Button variant="light" onClick={() => test.mutate()} loading={test.isPending}>
              Test
            </Button>
          </Group>
          {test.data && (
            <Alert
              color={test.data.ok ? "green" : "red"}
              title={test.data.ok ? "DNS update works" : "DNS update failed"}
            >
              {test.data.message}
            </Alert>
          )}
          {testErrors.formError && <Alert color="red">{testErrors.formError}</Alert>}
        </Stack>
      )}
      <Select
        label="Trunk FQDN record"
        description="What each customer's trunk FQDN points at in DNS"
        data={[
          { value: "", label: "Not set" },
          { value: "address", label: "A/AAAA records to the SBC's addresses" },
          { value: "CNAME", label: "CNAME to the SBC's FQDN" },
        ]}
        value={form.trunkRecordType}
        onChange={(v) => onChange({ trunkRecordType: v ?? "" })}
        error={error("trunkRecordType")}
      />
      {form.trunkRecordType === "address" && (
        <TagsInput
          label="SBC IP addresses"
          description="IPv4 and/or IPv6; press Enter after each"
          value={form.trunkRecordAddresses}
          onChange={(v) => onChange({ trunkRecordAddresses: v })}
          error={
            error("trunkRecordAddresses") ??
            Object.entries(fieldErrors).find(([k]) => k.startsWith("trunkRecordAddresses."))?.[1]
          }
        />
      )}
      {form.trunkRecordType === "CNAME" && (
        <TextInput
          label="SBC FQDN"
          placeholder="sbc.example.net"
          value={form.trunkRecordCname}
          onChange={(e) => onChange({ trunkRecordCname: e.currentTarget.value })}
          error={error("trunkRecordCname")}
        />
      )}
    </Stack>
  );
}
