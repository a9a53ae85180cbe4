import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import { unwrapVersioned } from "../../api/etag";
import type { components } from "../../api/schema";
import { useRegions } from "../operator-settings/api";
import { enterprisesKeys, enterprisesQueries } from "./api";
import { ProfileSaveFooter, useProfileSave, useReloadableForm } from "./profile-save";

type TeamsProfile = components["schemas"]["TeamsProfile"];
type Rule = TeamsProfile["normalizationRules"][number];
const FIELDS = [
  "pbxLocations",
  "regionIds",
  "defaultRegionId",
  "pstnUsage",
  "dialPlanName",
  "normalizationRules",
];

/** The Teams profile: PBX locations, voice routes (regions) offered, PSTN usage, dial plan. */
export function TeamsProfileForm({
  accountId,
  enterpriseRegionIds,
  slug,
  readOnly,
}: {
  accountId: string;
  enterpriseRegionIds: string[];
  slug: string;
  readOnly: boolean;
}) {
  const query = useQuery(enterprisesQueries.teamsProfile(accountId));
  const reloadable = useReloadableForm(query.refetch);
  if (!query.data) return query.isError ? <Alert color="red">{query.error.message}</Alert> : null;
  return (
    <TeamsForm
      key={reloadable.key}
      accountId={accountId}
      profile={query.data.profile}
      etag={query.data.etag}
      onReload={reloadable.reload}
      enterpriseRegionIds={enterpriseRegionIds}
      slug={slug}
      readOnly={readOnly}
    />
  );
}

function TeamsForm({
  accountId,
  profile,
  etag,
  onReload,
  enterpriseRegionIds,
  slug,
  readOnly,
}: {
  accountId: string;
  profile: TeamsProfile | null;
  /** The version the form shows; its save sends it as If-Match (If-None-Match: * when there was none). */
  etag: string | null;
  onReload: () => Promise<void>;
  enterpriseRegionIds: string[];
  slug: string;
  readOnly: boolean;
}) {
  const regions = useRegions(accountId);
  const offered = (regions.data?.items ?? []).filter((r) => enterpriseRegionIds.includes(r.id));
  const [ruleKeys, setRuleKeys] = useState<string[]>(() =>
    (profile?.normalizationRules ?? []).map(() => crypto.randomUUID()),
  );
  const [locationKeys] = useState<string[]>(() =>
    Array.from({ length: Math.max(1, profile?.pbxLocations.length ?? 1) }, () => crypto.randomUUID()),
  );
  const [form, setForm] = useState({
    pbxLocations: profile?.pbxLocations ?? [{ name: "Head office", pbx: "" }],
    regionIds: profile?.regionIds ?? enterpriseRegionIds,
    defaultRegionId: profile?.defaultRegionId ?? enterpriseRegionIds[0] ?? "",
    pstnUsage: profile?.pstnUsage ?? `s2t-${slug}`,
    dialPlanName: profile?.dialPlanName ?? `s2t-${slug}`,
    normalizationRules: profile?.normalizationRules ?? ([] as Rule[]),
  });
  const saving = useProfileSave({
    accountId,
    name: "Teams profile",
    etag,
    fields: FIELDS,
    queryKey: enterprisesKeys.teamsProfile(accountId),
    put: (header) =>
      unwrapVersioned(
        api.PUT("/api/accounts/{accountId}/teams-profile", {
          params: { path: { accountId }, header },
          body: form,
        }),
      ),
    onReload,
  });
  const { errors, err } = saving;
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm({ ...form, [key]: value });
  const setRule = (i: number, change: Partial<Rule>) =>
    set(
      "normalizationRules",
      form.normalizationRules.map((r, j) => (j === i ? { ...r, ...change } : r)),
    );
  return (
    <Stack>
      <Text fw={500}>PBX locations</Text>
      {form.pbxLocations.map((location, i) => (
        <Group key={locationKeys[i]} grow>
          <TextInput
            label="Location"
            value={location.name}
            onChange={(e) =>
              set(
                "pbxLocations",
                form.pbxLocations.map((l, j) => (j === i ? { ...l, name: e.currentTarget.value } : l)),
              )
            }
            error={errors.fieldErrors[`pbxLocations.${i}.name`]}
            disabled={readOnly}
          />
          <TextInput
            label="PBX"
            value={location.pbx}
            onChange={(e) =>
              set(
                "pbxLocations",
                form.pbxLocations.map((l, j) => (j === i ? { ...l, pbx: e.currentTarget.value } : l)),
              )
            }
            error={errors.fieldErrors[`pbxLocations.${i}.pbx`]}
            disabled={readOnly}
          />
        </Group>
      ))}
      <Group grow>
        <MultiSelect
          label="Voice routes offered (regions)"
          data={offered.map((r) => ({ value: r.id, label: r.name }))}
          value={form.regionIds}
          onChange={(v) => set("regionIds", v)}
          error={err("regionIds")}
          disabled={readOnly}
        />
        <Select
          label="Default region"
          data={offered
            .filter((r) => form.regionIds.includes(r.id))
            .map((r) => ({ value: r.id, label: r.name }))}
          value={form.defaultRegionId}
          onChange={(v) => set("defaultRegionId", v ?? "")}
          error={err("defaultRegionId")}
          disabled={readOnly}
        />
      </Group>
      <Group grow>
        <TextInput
          label="PSTN usage"
          description="Also names the voice route and the voice routing policy of each region"
          value={form.pstnUsage}
          onChange={(e) => set("pstnUsage", e.currentTarget.value)}
          error={err("pstnUsage")}
          disabled={readOnly}
        />
        <TextInput
          label="Tenant dial plan"
          value={form.dialPlanName}
          onChange={(e) => set("dialPlanName", e.currentTarget.value)}
          error={err("dialPlanName")}
          disabled={readOnly}
        />
      </Group>
      <Group justify="space-between">
        <Text fw={500}>Normalization rules</Text>
        {!readOnly && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => {
              setRuleKeys([...ruleKeys, crypto.randomUUID()]);
              set("normalizationRules", [
                ...form.normalizationRules,
                {
                  name: `Ext${form.normalizationRules.length + 1}`,
                  pattern: "^(\\d{4})$",
                  translation: "+1$1",
                  isInternalExtension: true,
                },
              ]);
            }}
          >
            Add rule
          </Button>
        )}
      </Group>
      {form.normalizationRules.length === 0 ? (
        <Text size="sm" c="dimmed">
          No rules: numbers are dialled as entered. Add a rule for internal extensions, e.g.{" "}
          <Code>{"^(\\d{4})$"}</Code> → <Code>+1425555$1</Code>.
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Pattern</Table.Th>
              <Table.Th>Translation</Table.Th>
              <Table.Th>Internal extension</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {form.normalizationRules.map((rule, i) => (
              <Table.Tr key={ruleKeys[i]}>
                <Table.Td>
                  <TextInput
                    aria-label="Rule name"
                    value={rule.name}
                    onChange={(e) => setRule(i, { name: e.currentTarget.value })}
                    error={errors.fieldErrors[`normalizationRules.${i}.name`]}
                    disabled={readOnly}
                  />
                </Table.Td>
                <Table.Td>
                  <TextInput
                    aria-label="Pattern"
                    value={rule.pattern}
                    onChange={(e) => setRule(i, { pattern: e.currentTarget.value })}
                    error={errors.fieldErrors[`normalizationRules.${i}.pattern`]}
                    disabled={readOnly}
                  />
                </Table.Td>
                <Table.Td>
                  <TextInput
                    aria-label="Translation"
                    value={rule.translation}
                    onChange={(e) => setRule(i, { translation: e.currentTarget.value })}
                    error={errors.fieldErrors[`normalizationRules.${i}.translation`]}
                    disabled={readOnly}
                  />
                </Table.Td>
                <Table.Td>
                  <Checkbox
                    aria-label="Internal extension"
                    checked={rule.isInternalExtension}
                    onChange={(e) => setRule(i, { isInternalExtension: e.currentTarget.checked })}
                    disabled={readOnly}
                  />
                </Table.Td>
                <Table.Td>
                  {!readOnly && (
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label="Remove rule"
                      onClick={() => {
                        setRuleKeys(ruleKeys.filter((_, j) => j !== i));
                        set(
                          "normalizationRules",
                          form.normalizationRules.filter((_, j) => j !== i),
                        );
                      }}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ProfileSaveFooter saving={saving} label="Save Teams profile" readOnly={readOnly} />
    </Stack>
  );
}
