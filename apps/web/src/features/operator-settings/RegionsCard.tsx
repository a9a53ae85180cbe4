import {
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useApiErrors } from "../../forms";
import { operatorSettingsKeys, operatorSettingsQueries } from "./api";

export function Regions({ accountId }: { accountId: string }) {
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
