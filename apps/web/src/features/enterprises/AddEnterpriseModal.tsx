import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Stack,
  TextInput,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useApiErrors } from "../../forms";
import { useRegions } from "../operator-settings/api";
import { enterprisesKeys } from "./api";

const FIELDS = [
  "companyName",
  "adminName",
  "adminEmail",
  "regionIds",
  "services",
  "userLimit",
  "billingReference",
] as const;

export function AddEnterpriseModal({
  accountId,
  opened,
  onClose,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const regions = useRegions(accountId);
  const [form, setForm] = useState({
    companyName: "",
    adminName: "",
    adminEmail: "",
    regionIds: [] as string[],
    teams: true,
    userLimit: 25 as number | string,
    billingReference: "",
  });
  const errors = useApiErrors([...FIELDS]);
  const fieldError = (field: string) =>
    errors.fieldErrors[field] ??
    Object.entries(errors.fieldErrors).find(([key]) => key.startsWith(`${field}.`))?.[1];
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/enterprises", {
          params: { path: { accountId } },
          body: {
            companyName: form.companyName,
            adminName: form.adminName,
            adminEmail: form.adminEmail,
            regionIds: form.regionIds,
            services: form.teams ? ["teams-direct-routing"] : [],
            userLimit: Number(form.userLimit),
            billingReference: form.billingReference,
          },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: enterprisesKeys.list(accountId) });
      onClose();
      await navigate({ to: "/a/$accountId/enterprise", params: { accountId: created.id } });
    },
    onError: (error) => errors.show(error),
  });
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm({ ...form, [key]: value });
  return (
    <Modal opened={opened} onClose={onClose} title="Add Enterprise" size="lg">
      <Stack>
        <TextInput
          label="Company name"
          required
          value={form.companyName}
          onChange={(e) => set("companyName", e.currentTarget.value)}
          error={fieldError("companyName")}
        />
        <Group grow>
          <TextInput
            label="Customer admin name"
            required
            value={form.adminName}
            onChange={(e) => set("adminName", e.currentTarget.value)}
            error={fieldError("adminName")}
          />
          <TextInput
            label="Customer admin email"
            description="Receives the activation email"
            required
            value={form.adminEmail}
            onChange={(e) => set("adminEmail", e.currentTarget.value)}
            error={fieldError("adminEmail")}
          />
        </Group>
        <MultiSelect
          label="Regions"
          placeholder={
            regions.data?.items.length === 0
              ? "The operator has not defined SBC regions yet"
              : "Choose regions"
          }
          data={(regions.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={form.regionIds}
          onChange={(value) => set("regionIds", value)}
          error={fieldError("regionIds")}
        />
        <Checkbox
          label="Teams Direct Routing"
          checked={form.teams}
          onChange={(e) => set("teams", e.currentTarget.checked)}
          error={fieldError("services")}
        />
        <Group grow>
          <NumberInput
            label="User limit"
            min={1}
            value={form.userLimit}
            onChange={(value) => set("userLimit", value)}
            error={fieldError("userLimit")}
          />
          <TextInput
            label="Billing reference"
            value={form.billingReference}
            onChange={(e) => set("billingReference", e.currentTarget.value)}
            error={fieldError("billingReference")}
          />
        </Group>
        {errors.formError && <Alert color="red">{errors.formError}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => create.mutate()} loading={create.isPending}>
            Add Enterprise
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
