import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useState } from "react";
import { useApiForm } from "../../forms";
import { type ApiKey, type ApiKeyRole, createApiKey } from "./api";

const ROLES: { value: ApiKeyRole; label: string; description: string }[] = [
  { value: "Read-only", label: "Read-only", description: "Reads everything, changes nothing." },
  { value: "User", label: "User", description: "Reads and writes, like a portal User." },
  { value: "Admin", label: "Admin", description: "Also manages portal users, like a portal Admin." },
];

const FORM_FIELDS = (field: string) =>
  field === "name" || field === "role" || field === "expiresAt" || field.startsWith("allowedIpRanges");

/** Create API key: the form, then the key shown once with a copy button. */
export function CreateApiKeyModal(props: {
  accountId: string;
  opened: boolean;
  onClose(): void;
  onCreated(key: ApiKey): void;
}) {
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey } | null>(null);
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { name: "", role: "Read-only" as ApiKeyRole, expiresAt: "", allowedIpRanges: "" },
    fields: FORM_FIELDS,
  });
  const close = () => {
    form.reset();
    setCreated(null);
    props.onClose();
  };
  const rangeErrors = Object.entries(form.errors)
    .filter(([field]) => field.startsWith("allowedIpRanges"))
    .map(([, message]) => message);
  const role = form.getValues().role;

  return (
    <Modal opened={props.opened} onClose={close} title={created ? "Your new API key" : "Create API key"}>
      {created ? (
        <Stack>
          <Alert color="yellow" title="Copy the key now">
            This is the only time the key is shown. Store it in your system's secret store; if it is lost,
            revoke it and create a new one.
          </Alert>
          <Code block data-testid="new-api-key">
            {created.key}
          </Code>
          <Text size="sm">
            Send it as <Code>Authorization: Bearer &lt;key&gt;</Code> to{" "}
            <Code>/api/accounts/{props.accountId}/…</Code> (the API reference is at <Code>/api/docs</Code>).
          </Text>
          <Group justify="flex-end">
            <CopyButton value={created.key}>
              {({ copied, copy }) => (
                <Button variant="light" color={copied ? "green" : undefined} onClick={copy}>
                  {copied ? "Copied" : "Copy key"}
                </Button>
              )}
            </CopyButton>
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={onSubmit(async (values) => {
            const result = await createApiKey(props.accountId, {
              name: values.name,
              role: values.role,
              // The key works through the chosen day, in the Admin's time zone.
              expiresAt: values.expiresAt ? new Date(`${values.expiresAt}T23:59:59`).toISOString() : null,
              allowedIpRanges: values.allowedIpRanges
                .split(/[\s,]+/)
                .map((range) => range.trim())
                .filter(Boolean),
            });
            setCreated(result);
            props.onCreated(result.apiKey);
          })}
        >
          <Stack>
            {formError && <Alert color="red">{formError}</Alert>}
            <TextInput
              label="Name"
              description="What uses the key, e.g. Billing system"
              {...form.getInputProps("name")}
              required
            />
            <Select
              label="Role"
              data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
              {...form.getInputProps("role")}
              allowDeselect={false}
              description={ROLES.find((r) => r.value === role)?.description}
            />
            <TextInput
              label="Expires on"
              description="Optional; the key stops working after this day"
              type="date"
              {...form.getInputProps("expiresAt")}
            />
            <Textarea
              label="Allowed IP ranges"
              description="Optional; one CIDR range per line (IPv4 or IPv6). Empty: any address"
              placeholder={"203.0.113.0/24\n2001:db8::/32"}
              autosize
              minRows={2}
              {...form.getInputProps("allowedIpRanges")}
              error={rangeErrors.length > 0 ? rangeErrors.join(" ") : undefined}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
