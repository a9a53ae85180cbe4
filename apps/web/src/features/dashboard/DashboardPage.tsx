import { Alert, Button, Card, Group, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { dashboardQueries } from "./api";

export function DashboardPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const dashboard = useQuery(dashboardQueries.summary(accountId));

  return (
    <Stack>
      <Title order={2}>Dashboard</Title>
      {dashboard.isError && (
        <Alert color="red">Could not load the dashboard: {dashboard.error.message}</Alert>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        {dashboard.isPending
          ? [1, 2, 3, 4].map((n) => <Skeleton key={n} h={90} />)
          : dashboard.data?.counts.map((item) => (
              <Card key={item.key} withBorder data-testid={`count-${item.key}`}>
                <Text size="sm" c="dimmed">
                  {item.label}
                </Text>
                <Text size="xl" fw={700}>
                  {item.value}
                </Text>
              </Card>
            ))}
      </SimpleGrid>
      <Title order={3}>Action items</Title>
      {dashboard.data && dashboard.data.actionItems.length === 0 && (
        <Text c="dimmed">Nothing needs your attention right now.</Text>
      )}
      {dashboard.data?.actionItems.map((item) => (
        <Alert
          key={item.key}
          color={item.severity === "error" ? "red" : item.severity === "warning" ? "yellow" : "blue"}
          title={item.title}
        >
          <Group justify="space-between">
            <Text size="sm">{item.description}</Text>
            <Button size="xs" component={Link} to={`/a/${accountId}${item.href}`}>
              {item.actionLabel}
            </Button>
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}
