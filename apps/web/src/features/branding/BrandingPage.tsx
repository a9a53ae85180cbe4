import {
  Alert,
  Button,
  ColorInput,
  FileInput,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { useApiForm } from "../../forms";
import { type BrandInput, brandKeys, brandQueries, type OwnBrand, saveBrand } from "./api";
import { BrandMark } from "./BrandMark";

const LOGO_MAX_BYTES = 200 * 1024;
type Logo = NonNullable<BrandInput["logo"]>;

async function readLogo(file: File): Promise<Logo> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return { contentType: file.type === "image/png" ? "image/png" : "image/svg+xml", dataBase64: btoa(binary) };
}

/** Settings › Branding: the account's own brand; empty fields are inherited from the partner above. */
export function BrandingPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const brand = useQuery(brandQueries.settings(accountId));
  if (!brand.data) return brand.isError ? <Alert color="red">{brand.error.message}</Alert> : <Loader />;
  return (
    <BrandingForm
      key={accountId}
      accountId={accountId}
      own={brand.data.own}
      inheritedLogo={brand.data.effective.logoUrl}
    />
  );
}

function BrandingForm({
  accountId,
  own,
  inheritedLogo,
}: {
  accountId: string;
  own: OwnBrand;
  inheritedLogo: string | null;
}) {
  const queryClient = useQueryClient();
  const [logo, setLogo] = useState<{ file: File; value: Logo } | null | undefined>(undefined);
  const { form, formError, setFormError, busy, onSubmit } = useApiForm({
    initialValues: {
      portalName: own.portalName ?? "",
      primaryColor: own.primaryColor ?? "",
      supportEmail: own.supportEmail ?? "",
      supportUrl: own.supportUrl ?? "",
      mailSenderName: own.mailSenderName ?? "",
      mailSenderAddress: own.mailSenderAddress ?? "",
      hosts: own.hosts.join("\n"),
    },
    fields: (field) =>
      [
        "portalName",
        "primaryColor",
        "supportEmail",
        "supportUrl",
        "mailSenderName",
        "mailSenderAddress",
      ].includes(field),
  });
  const values = form.getValues();
  const previewLogo = logo
    ? URL.createObjectURL(logo.file)
    : logo === null
      ? null
      : (own.logoUrl ?? inheritedLogo);

  return (
    <Stack maw={640}>
      <Title order={2}>Branding</Title>
      <Text c="dimmed">
        How the portal, its sign-in page and its emails look to your customers. Empty fields are inherited
        from the account above.
      </Text>
      <Paper withBorder p="md" aria-label="Preview">
        <Text size="sm" c="dimmed" mb="xs">
          Preview
        </Text>
        <BrandMark
          brand={{
            portalName: values.portalName || "sip2teams",
            primaryColor: /^#[0-9a-f]{6}$/i.test(values.primaryColor) ? values.primaryColor : null,
            logoUrl: previewLogo,
            supportEmail: null,
            supportUrl: null,
            mailSenderName: null,
            mailSenderAddress: null,
          }}
          preview
        />
      </Paper>
      <form
        onSubmit={onSubmit(async (v) => {
          const saved = await saveBrand(accountId, {
            portalName: v.portalName || null,
            primaryColor: v.primaryColor || null,
            supportEmail: v.supportEmail || null,
            supportUrl: v.supportUrl || null,
            mailSenderName: v.mailSenderName || null,
            mailSenderAddress: v.mailSenderAddress || null,
            hosts: v.hosts.split(/\s+/).filter(Boolean),
            ...(logo === undefined ? {} : { logo: logo?.value ?? null }),
          });
          queryClient.setQueryData(brandKeys.settings(accountId), saved);
          await queryClient.invalidateQueries({ queryKey: brandKeys.all });
          setLogo(undefined);
          notifications.show({ color: "green", message: "Branding saved." });
        })}
      >
        <Stack>
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label="Portal name" {...form.getInputProps("portalName")} />
          <FileInput
            label="Logo"
            description="PNG or SVG, at most 200 KB."
            accept="image/png,image/svg+xml"
            clearable
            value={logo?.file ?? null}
            onChange={async (file) => {
              if (!file) return setLogo(undefined);
              if (file.size > LOGO_MAX_BYTES) return setFormError("The logo must be at most 200 KB.");
              setLogo({ file, value: await readLogo(file) });
            }}
          />
          {(own.logoUrl || logo) && (
            <Group>
              <Button variant="subtle" size="xs" onClick={() => setLogo(null)}>
                Remove logo
              </Button>
            </Group>
          )}
          <ColorInput
            label="Primary colour"
            placeholder="#1c7ed6"
            format="hex"
            {...form.getInputProps("primaryColor")}
          />
          <TextInput label="Support email" {...form.getInputProps("supportEmail")} />
          <TextInput label="Support URL" {...form.getInputProps("supportUrl")} />
          <TextInput label="Email sender name" {...form.getInputProps("mailSenderName")} />
          <TextInput label="Email sender address" {...form.getInputProps("mailSenderAddress")} />
          <Textarea
            label="Custom host names"
            description="One per line, e.g. portal.example.com. Point them at the portal (docs/operations.md)."
            autosize
            minRows={2}
            {...form.getInputProps("hosts")}
          />
          <Group>
            <Button type="submit" loading={busy}>
              Save branding
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
