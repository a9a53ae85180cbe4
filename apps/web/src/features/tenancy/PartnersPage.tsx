import { Alert, Anchor, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../app/session";
import { FormActions, useApiForm } from "../../forms";
import { dashboardQueries } from "../dashboard/api";
import { tenancyKeys, tenancyQueries } from "./api";

/** Partners (resellers) directly below the acting account; the operator adds partners, partners add sub-partners. */
export function PartnersPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const partners = useQuery(tenancyQueries.partners(accountId));
  // The acting account's kind (shared with the dashboard and the multitenant menu): enterprises have no partners.
  const acting = useQuery(dashboardQueries.summary(accountId));
  const isEnterprise = acting.data?.account.kind === "enterprise";
  // A partner comes with its first Admin, so only Admins (who may invite Admins) add partners.
  const canWrite = session?.user.role === "Admin" && acting.data !== undefined && !isEnterprise;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Partners</Title>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add Partner
          </Button>
        )}
      </Group>
      {isEnterprise && (
        <Alert color="blue">
          An enterprise has no partners. Switch to a partner or the operator to add one.
        </Alert>
      )}
      {partners.isError && <Alert color="red">Could not load the partners: {partners.error.message}</Alert>}
      <Table striped aria-label="Partners">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Created</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {partners.data?.items.map((partner) => (
            <Table.Tr key={partner.id}>
              <Table.Td>
                <Anchor component={Link} to={`/a/${partner.id}/dashboard`}>
                  {partner.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{partner.status}</Table.Td>
              <Table.Td>{new Date(partner.createdAt).toLocaleDateString()}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {partners.data?.items.length === 0 && <Text c="dimmed">No partners yet.</Text>}
      <AddPartnerModal
        accountId={accountId}
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(email) => {
          setAdding(false);
          void queryClient.invalidateQueries({ queryKey: tenancyKeys.partners(accountId) });
          void queryClient.invalidateQueries({ queryKey: tenancyKeys.switchable() });
          notifications.show({
            color: "green",
            message: `Partner created. An activation email was sent to ${email}.`,
          });
        }}
      />
    </Stack>
  );
}

function AddPartnerModal(props: {
  accountId: string;
  opened: boolean;
  onClose(): void;
  onAdded(email: string): void;
}) {
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { name: "", adminName: "", adminEmail: "" },
  });
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Add Partner">
      <form
        onSubmit={onSubmit(async (values) => {
          await unwrap(
            api.POST("/api/accounts/{accountId}/partners", {
              params: { path: { accountId: props.accountId } },
              body: values,
            }),
          );
          props.onAdded(values.adminEmail);
          form.reset();
        })}
      >
        <Stack>
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label="Company name" {...form.getInputProps("name")} required />
          <TextInput label="Administrator name" {...form.getInputProps("adminName")} required />
          <TextInput
            label="Administrator email"
            type="email"
            description="Receives the activation email with a temporary password."
            {...form.getInputProps("adminEmail")}
            required
          />
          <FormActions onCancel={props.onClose} busy={busy} />
        </Stack>
      </form>
    </Modal>
  );
}
