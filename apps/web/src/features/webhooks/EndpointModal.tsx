import { Alert, Button, Checkbox, Group, Modal, SimpleGrid, Stack, Switch, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useApiForm } from "../../forms";
import {
  createEndpoint,
  updateEndpoint,
  type WebhookEndpoint,
  type WebhookEventType,
  webhookQueries,
} from "./api";
import { SecretOnce } from "./SecretOnce";

const FIELDS = (field: string) =>
  field === "url" || field === "description" || field === "enabled" || field.startsWith("eventTypes");

/** Add or edit an endpoint (URL, events, enabled); after adding, the secret is shown once. */
export function EndpointModal(props: {
  accountId: string;
  opened: boolean;
  editing: WebhookEndpoint | null;
  onClose(): void;
  onSaved(): void;
}) {
  const eventTypes = useQuery(webhookQueries.eventTypes(props.accountId));
  const [secret, setSecret] = useState<string | null>(null);
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { url: "", description: "", enabled: true, eventTypes: [] as WebhookEventType[] },
    fields: FIELDS,
  });
  const { editing, opened } = props;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the modal opens for an endpoint
  useEffect(() => {
    if (!opened) return;
    form.setValues(
      editing
        ? {
            url: editing.url,
            description: editing.description,
            enabled: editing.enabled,
            eventTypes: editing.eventTypes,
          }
        : { url: "", description: "", enabled: true, eventTypes: [] },
    );
    form.clearErrors();
  }, [opened, editing]);
  const close = () => {
    setSecret(null);
    props.onClose();
  };
  const eventError = Object.entries(form.errors)
    .filter(([field]) => field.startsWith("eventTypes"))
    .map(([, message]) => message)
    .join(" ");

  return (
    <Modal
      opened={opened}
      onClose={close}
      size="lg"
      title={
        secret ? "Your endpoint's signing secret" : editing ? "Edit webhook endpoint" : "Add webhook endpoint"
      }
    >
      {secret ? (
        <SecretOnce secret={secret} onDone={close} />
      ) : (
        <form
          onSubmit={onSubmit(async (values) => {
            if (editing) {
              await updateEndpoint(props.accountId, editing.id, values);
              props.onSaved();
              close();
            } else {
              const created = await createEndpoint(props.accountId, values);
              props.onSaved();
              setSecret(created.secret);
            }
          })}
        >
          <Stack>
            {formError && <Alert color="red">{formError}</Alert>}
            <TextInput
              label="URL"
              description="An http(s) URL on a public address that accepts POST"
              placeholder="https://example.com/sip2teams/webhooks"
              required
              {...form.getInputProps("url")}
            />
            <TextInput label="Description" {...form.getInputProps("description")} />
            <Checkbox.Group
              label="Events"
              description="Events of this account and every account below it"
              value={form.getValues().eventTypes}
              onChange={(value) => form.setFieldValue("eventTypes", value as WebhookEventType[])}
              error={eventError || undefined}
            >
              <SimpleGrid cols={2} mt="xs">
                {eventTypes.data?.items.map((type) => (
                  <Checkbox key={type} value={type} label={type} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Switch label="Enabled" {...form.getInputProps("enabled", { type: "checkbox" })} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                {editing ? "Save" : "Add endpoint"}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
