import { Anchor, Center, Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { brandQueries } from "../branding/api";
import { BrandMark } from "../branding/BrandMark";

/** The centred card every signed-out page (sign-in, activation, reset) uses. */
export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: string;
  children: ReactNode;
}) {
  // The brand of the host name the portal was reached on (a partner's custom host), else the portal's.
  const brand = useQuery(brandQueries.public()).data;
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={420} radius="md">
        <Stack>
          <BrandMark brand={brand} />
          <Title order={2}>{title}</Title>
          {subtitle && <Text c="dimmed">{subtitle}</Text>}
          {children}
          {(brand?.supportEmail || brand?.supportUrl) && (
            <Text size="xs" c="dimmed">
              Need help? {brand.supportUrl && <Anchor href={brand.supportUrl}>Support</Anchor>}
              {brand.supportUrl && brand.supportEmail && " · "}
              {brand.supportEmail && (
                <Anchor href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</Anchor>
              )}
            </Text>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
