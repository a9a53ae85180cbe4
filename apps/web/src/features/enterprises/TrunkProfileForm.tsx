import {
  Alert,
  Badge,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import { unwrapVersioned } from "../../api/etag";
import type { components } from "../../api/schema";
import { enterprisesKeys, enterprisesQueries } from "./api";
import { ProfileSaveFooter, useProfileSave, useReloadableForm } from "./profile-save";

type Trunk = components["schemas"]["TrunkProfile"];
const CODECS = ["PCMU", "PCMA", "G722", "G729", "OPUS", "SILK"];
const FIELDS = [
  "label",
  "pbxHost",
  "pbxPort",
  "transport",
  "sipDomain",
  "pbxRealm",
  "outboundProxy",
  "mode",
  "allowedIps",
  "maxConcurrentCalls",
  "codecs",
  "transferMode",
];

/** The enterprise's trunk profile: the derived trunk FQDN (Teams side) and the SIP side towards the PBX. */
export function TrunkProfileForm({ accountId, readOnly }: { accountId: string; readOnly: boolean }) {
  const query = useQuery(enterprisesQueries.trunkProfile(accountId));
  const reloadable = useReloadableForm(query.refetch);
  if (!query.data) return query.isError ? <Alert color="red">{query.error.message}</Alert> : null;
  return (
    <TrunkForm
      key={reloadable.key}
      accountId={accountId}
      readOnly={readOnly}
      profile={query.data.profile}
      etag={query.data.etag}
      baseDomain={query.data.baseDomain}
      onReload={reloadable.reload}
    />
  );
}

function TrunkForm({
  accountId,
  readOnly,
  profile,
  etag,
  baseDomain,
  onReload,
}: {
  accountId: string;
  readOnly: boolean;
  profile: Trunk | null;
  /** The version the form shows; its save sends it as If-Match (If-None-Match: * when there was none). */
  etag: string | null;
  baseDomain: string | null;
  onReload: () => Promise<void>;
}) {
  const [form, setForm] = useState({
    label: profile?.label ?? "",
    pbxHost: profile?.pbxHost ?? "",
    pbxPort: (profile?.pbxPort ?? 5060) as number | string,
    transport: profile?.transport ?? "UDP",
    sipDomain: profile?.sipDomain ?? "",
    pbxRealm: profile?.pbxRealm ?? "",
    outboundProxy: profile?.outboundProxy ?? "",
    mode: profile?.mode ?? "registration",
    allowedIps: profile?.allowedIps ?? [],
    maxConcurrentCalls: (profile?.maxConcurrentCalls ?? 10) as number | string,
    codecs: profile?.codecs ?? ["PCMA", "PCMU"],
    transferMode: profile?.transferMode ?? "teams",
  });
  const saving = useProfileSave({
    accountId,
    name: "Trunk profile",
    etag,
    fields: FIELDS,
    queryKey: enterprisesKeys.trunkProfile(accountId),
    put: (header) =>
      unwrapVersioned(
        api.PUT("/api/accounts/{accountId}/trunk-profile", {
          params: { path: { accountId }, header },
          body: {
            ...form,
            pbxRealm: form.pbxRealm.trim() || null,
            pbxPort: Number(form.pbxPort),
            maxConcurrentCalls: Number(form.maxConcurrentCalls),
          },
        }),
      ),
    onReload,
  });
  const { err } = saving;
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm({ ...form, [key]: value });
  const fqdn = form.label && baseDomain ? `${form.label.toLowerCase()}.${baseDomain}` : null;
  return (
    <Stack>
      {!baseDomain && (
        <Alert color="yellow">
          The operator has not set the SBC base domain yet, so trunk FQDNs cannot be derived.
        </Alert>
      )}
      <Group align="flex-end">
        <TextInput
          label="Trunk label"
          description="A DNS label; the trunk FQDN is <label>.<SBC base domain>, at most 48 characters"
          value={form.label}
          onChange={(e) => set("label", e.currentTarget.value)}
          error={err("label")}
          disabled={readOnly}
          w={360}
        />
        <Stack gap={0}>
          <Text size="sm" c="dimmed">
            Trunk FQDN
          </Text>
          <Text fw={500} data-testid="trunk-fqdn">
            {fqdn ?? "—"} {fqdn && <Badge color={fqdn.length > 48 ? "red" : "gray"}>{fqdn.length}/48</Badge>}
          </Text>
        </Stack>
        {profile && <Badge color={profile.status === "active" ? "green" : "yellow"}>{profile.status}</Badge>}
      </Group>
      <Group grow>
        <TextInput
          label="PBX / registrar host"
          value={form.pbxHost}
          onChange={(e) => set("pbxHost", e.currentTarget.value)}
          error={err("pbxHost")}
          disabled={readOnly}
        />
        <NumberInput
          label="Port"
          value={form.pbxPort}
          onChange={(v) => set("pbxPort", v)}
          error={err("pbxPort")}
          disabled={readOnly}
        />
        <Select
          label="Transport"
          data={["UDP", "TCP", "TLS"]}
          value={form.transport}
          onChange={(v) => set("transport", (v ?? "UDP") as typeof form.transport)}
          error={err("transport")}
          disabled={readOnly}
        />
      </Group>
      <Group grow>
        <TextInput
          label="SIP domain"
          value={form.sipDomain}
          onChange={(e) => set("sipDomain", e.currentTarget.value)}
          error={err("sipDomain")}
          disabled={readOnly}
        />
        <TextInput
          label="SIP realm"
          description="The realm of the PBX's authentication challenges; empty: the SIP domain"
          placeholder={form.sipDomain || "pbx.example.com"}
          value={form.pbxRealm}
          onChange={(e) => set("pbxRealm", e.currentTarget.value)}
          error={err("pbxRealm")}
          disabled={readOnly}
        />
        <TextInput
          label="Outbound proxy (optional)"
          value={form.outboundProxy}
          onChange={(e) => set("outboundProxy", e.currentTarget.value)}
          error={err("outboundProxy")}
          disabled={readOnly}
        />
      </Group>
      <SegmentedControl
        value={form.mode}
        onChange={(v) => set("mode", v as typeof form.mode)}
        data={[
          { value: "registration", label: "Registration per user" },
          { value: "static-ip", label: "Static-IP trunk" },
        ]}
        disabled={readOnly}
      />
      {form.mode === "static-ip" && (
        <TagsInput
          label="Allowed IPs"
          description="Press Enter after each address or CIDR range"
          value={form.allowedIps}
          onChange={(v) => set("allowedIps", v)}
          error={err("allowedIps")}
          disabled={readOnly}
        />
      )}
      <Group grow>
        <NumberInput
          label="Maximum concurrent calls"
          value={form.maxConcurrentCalls}
          onChange={(v) => set("maxConcurrentCalls", v)}
          error={err("maxConcurrentCalls")}
          disabled={readOnly}
        />
        <MultiSelect
          label="Codecs"
          data={CODECS}
          value={form.codecs}
          onChange={(v) => set("codecs", v)}
          error={err("codecs")}
          disabled={readOnly}
        />
      </Group>
      <Select
        label="Transfers"
        description="How a Teams user's call transfer is carried out"
        data={[
          { value: "teams", label: "Teams performs the transfer (REFER removed from Allow toward Teams)" },
          { value: "route", label: "Route the transfer INVITE back to Microsoft" },
        ]}
        value={form.transferMode}
        onChange={(v) => set("transferMode", (v ?? "teams") as typeof form.transferMode)}
        allowDeselect={false}
        error={err("transferMode")}
        disabled={readOnly}
      />
      <ProfileSaveFooter saving={saving} label="Save trunk profile" readOnly={readOnly} />
    </Stack>
  );
}
