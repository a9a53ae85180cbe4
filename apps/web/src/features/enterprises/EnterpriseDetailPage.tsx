import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  MultiSelect,
  NumberInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { ifMatch, type Versioned } from "../../api/etag";
import type { components } from "../../api/schema";
import { useSession } from "../../app/session";
import { ConflictAlert, useApiErrors, useEditVersion } from "../../forms";
import { MicrosoftConnectionCard } from "../microsoft/AuthorizationPage";
import { useRegions } from "../operator-settings/api";
import { PbxDirectoryCard } from "../pbx-directory/PbxDirectoryCard";
import { SbcTrunkStatus } from "../sbc";
import { enterprisesKeys, enterprisesQueries } from "./api";
import { SetupChecklist } from "./SetupChecklist";
import { TeamsProfileForm } from "./TeamsProfileForm";
import { TrunkProfileForm } from "./TrunkProfileForm";

type Enterprise = Versioned<components["schemas"]["Enterprise"]>;

const editableFields = (e: Enterprise) => ({
  companyName: e.name,
  regionIds: e.regionIds,
  userLimit: e.userLimit as number | string,
  billingReference: e.billingReference ?? "",
});

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** One enterprise's onboarding, in its own account: customer, trunk profile, Teams profile, connection, setup. */
export function EnterpriseDetailPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const enterprise = useQuery(enterprisesQueries.enterprise(accountId));
  if (enterprise.isPending) return <Loader />;
  if (enterprise.isError) {
    return (
      <Alert color="blue" title="Not an enterprise">
        Open an enterprise from the Enterprises list (or the account menu) to see its onboarding.
      </Alert>
    );
  }
  const e = enterprise.data;
  const managedFromAbove = Boolean(session && session.account.id !== accountId);
  const slug =
    e.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 30) || "customer";
  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{e.name}</Title>
          <Badge color={e.status === "active" ? "green" : "gray"}>{e.status}</Badge>
        </Group>
        <Button variant="light" component={Link} to={`/a/${accountId}/preflight`}>
          Preflight
        </Button>
      </Group>
      <Section title="Customer">
        <CustomerSection accountId={accountId} enterprise={e} canManage={managedFromAbove} />
      </Section>
      <Section title="Trunk profile">
        <TrunkProfileForm accountId={accountId} readOnly={!managedFromAbove} />
      </Section>
      <Section title="SBC status">
        <SbcTrunkStatus enterpriseId={accountId} />
      </Section>
      <Section title="Teams profile">
        <TeamsProfileForm
          accountId={accountId}
          enterpriseRegionIds={e.regionIds}
          slug={slug}
          readOnly={!managedFromAbove}
        />
      </Section>
      <Section title="PBX directory">
        <PbxDirectoryCard accountId={accountId} readOnly={!managedFromAbove} />
      </Section>
      <Section title="Microsoft Teams connection">
        <MicrosoftConnectionCard accountId={accountId} />
      </Section>
      <Section title="Direct Routing setup">
        <SetupChecklist accountId={accountId} canRun={managedFromAbove} />
      </Section>
    </Stack>
  );
}

function CustomerSection({
  accountId,
  enterprise,
  canManage,
}: {
  accountId: string;
  enterprise: Enterprise;
  canManage: boolean;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const regions = useRegions(accountId);
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: enterprisesKeys.enterprise(accountId) });
  const notifyError = (error: unknown) =>
    notifications.show({
      color: "red",
      title: "Not changed",
      message: error instanceof ApiError ? (error.detail ?? error.title) : String(error),
    });
  const status = useMutation({
    mutationFn: (action: "suspend" | "resume") =>
      unwrap(
        action === "suspend"
          ? api.POST("/api/accounts/{accountId}/enterprise/suspend", { params: { path: { accountId } } })
          : api.POST("/api/accounts/{accountId}/enterprise/resume", { params: { path: { accountId } } }),
      ),
    onSuccess: refresh,
    onError: notifyError,
  });
  const remove = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/api/accounts/{accountId}/enterprise", { params: { path: { accountId } } })),
    onSuccess: async () => {
      notifications.show({
        title: "Deleting",
        message: "The enterprise is being removed from its tenant, then from the portal.",
      });
      setConfirmDelete(false);
      if (enterprise.parentId)
        await navigate({ to: "/a/$accountId/enterprises", params: { accountId: enterprise.parentId } });
    },
    onError: notifyError,
  });
  const names = (regions.data?.items ?? [])
    .filter((r) => enterprise.regionIds.includes(r.id))
    .map((r) => r.name);
  return (
    <Stack>
      <Group gap="xl">
        <Text size="sm">
          Customer admin: <b>{enterprise.adminName}</b> ({enterprise.adminEmail})
        </Text>
        <Text size="sm">Regions: {names.join(", ") || "—"}</Text>
        <Text size="sm">User limit: {enterprise.userLimit}</Text>
        <Text size="sm">Billing reference: {enterprise.billingReference ?? "—"}</Text>
        <Text size="sm">Services: Teams Direct Routing</Text>
      </Group>
      {canManage && (
        <Group>
          <Button size="xs" variant="default" onClick={() => setEditing(true)}>
            Edit
          </Button>
          {enterprise.status === "active" && (
            <Button size="xs" variant="default" onClick={() => status.mutate("suspend")}>
              Suspend
            </Button>
          )}
          {enterprise.status === "suspended" && (
            <Button size="xs" variant="default" onClick={() => status.mutate("resume")}>
              Resume
            </Button>
          )}
          {enterprise.status !== "deleting" && (
            <Button size="xs" color="red" variant="light" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          )}
        </Group>
      )}
      {editing && (
        <EditEnterpriseModal
          accountId={accountId}
          enterprise={enterprise}
          onClose={() => setEditing(false)}
        />
      )}
      <Modal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={`Delete ${enterprise.name}?`}
      >
        <Stack>
          <Text size="sm">
            This removes the voice routes, policies, dial plan, activation user and trunk subdomain sip2teams
            created in the customer's tenant, then the enterprise and its users from the portal. It cannot be
            undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              Delete enterprise
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function EditEnterpriseModal({
  accountId,
  enterprise,
  onClose,
}: {
  accountId: string;
  enterprise: Enterprise;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const regions = useRegions(accountId);
  const [form, setForm] = useState(() => editableFields(enterprise));
  // The version the modal opened on: the save sends it as If-Match, so it never overwrites a change made since.
  const version = useEditVersion(enterprise.etag);
  const errors = useApiErrors(["companyName", "regionIds", "userLimit", "billingReference"]);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/accounts/{accountId}/enterprise", {
          params: { path: { accountId }, header: ifMatch(version.etag) },
          body: { ...form, userLimit: Number(form.userLimit), services: ["teams-direct-routing"] },
        }),
      ),
    onMutate: () => errors.clear(),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: enterprisesKeys.enterprise(accountId) });
      onClose();
    },
    onError: (error) => {
      if (!version.caught(error)) errors.show(error);
    },
  });
  const reload = useMutation({
    mutationFn: () => queryClient.fetchQuery({ ...enterprisesQueries.enterprise(accountId), staleTime: 0 }),
    onSuccess: (fresh) => {
      setForm(editableFields(fresh));
      version.reloaded(fresh.etag);
    },
  });
  return (
    <Modal opened onClose={onClose} title="Edit enterprise">
      <Stack>
        <TextInput
          label="Company name"
          value={form.companyName}
          onChange={(e) => setForm({ ...form, companyName: e.currentTarget.value })}
          error={errors.fieldErrors.companyName}
        />
        <MultiSelect
          label="Regions"
          data={(regions.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={form.regionIds}
          onChange={(v) => setForm({ ...form, regionIds: v })}
          error={
            errors.fieldErrors.regionIds ??
            Object.entries(errors.fieldErrors).find(([k]) => k.startsWith("regionIds."))?.[1]
          }
        />
        <NumberInput
          label="User limit"
          value={form.userLimit}
          onChange={(v) => setForm({ ...form, userLimit: v })}
          error={errors.fieldErrors.userLimit}
        />
        <TextInput
          label="Billing reference"
          value={form.billingReference}
          onChange={(e) => setForm({ ...form, billingReference: e.currentTarget.value })}
        />
        {errors.formError && <Alert color="red">{errors.formError}</Alert>}
        <ConflictAlert
          message={version.conflict}
          onReload={() => reload.mutate()}
          reloading={reload.isPending}
        />
        <Group justify="flex-end">
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
