import { Alert, Badge, Button, Code, Group, List, Loader, Stack, Text, ThemeIcon } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconCircle, IconCircleCheck, IconClock, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap } from "../../api/client";
import { enterprisesQueries } from "./api";
import { WaitingForMicrosoft } from "./WaitingForMicrosoft";

const statusColor = {
  "not-started": "gray",
  queued: "blue",
  running: "blue",
  waiting: "yellow",
  completed: "green",
  failed: "red",
} as const;

function StepIcon({ status }: { status: string }) {
  if (status === "done")
    return (
      <ThemeIcon color="green" size={22} radius="xl">
        <IconCircleCheck size={16} />
      </ThemeIcon>
    );
  if (status === "running") return <Loader size={20} />;
  if (status === "waiting")
    return (
      <ThemeIcon color="yellow" size={22} radius="xl">
        <IconClock size={16} />
      </ThemeIcon>
    );
  if (status === "failed")
    return (
      <ThemeIcon color="red" size={22} radius="xl">
        <IconX size={16} />
      </ThemeIcon>
    );
  return (
    <ThemeIcon color="gray" variant="light" size={22} radius="xl">
      <IconCircle size={16} />
    </ThemeIcon>
  );
}

/** "a, b and c": the missing prerequisites as a sentence. */
const inWords = (items: string[]) => new Intl.ListFormat("en-GB", { type: "conjunction" }).format(items);

/** The Direct Routing setup as a live checklist: status and last error per step, Verify for manual DNS. */
export function SetupChecklist({ accountId, canRun }: { accountId: string; canRun: boolean }) {
  const queryClient = useQueryClient();
  const setup = useQuery(enterprisesQueries.setup(accountId));
  const act = useMutation({
    mutationFn: (action: "run" | "verify-dns" | "recheck" | "check-now") =>
      unwrap(
        action === "check-now"
          ? api.POST("/api/accounts/{accountId}/direct-routing-setup/check-now", {
              params: { path: { accountId } },
            })
          : action === "run"
            ? api.POST("/api/accounts/{accountId}/direct-routing-setup/run", {
                params: { path: { accountId } },
              })
            : action === "verify-dns"
              ? api.POST("/api/accounts/{accountId}/direct-routing-setup/verify-dns", {
                  params: { path: { accountId } },
                })
              : api.POST("/api/accounts/{accountId}/direct-routing-setup/recheck", {
                  params: { path: { accountId } },
                }),
      ),
    onSuccess: (data) => queryClient.setQueryData(["direct-routing-setup", accountId], data),
    onError: (error) =>
      notifications.show({
        color: "red",
        title: "Not started",
        message: error instanceof ApiError ? (error.detail ?? error.title) : String(error),
      }),
  });
  if (setup.isPending) return <Loader size="sm" />;
  if (setup.isError) return <Alert color="red">{setup.error.message}</Alert>;
  const s = setup.data;
  return (
    <Stack data-testid="setup-checklist">
      <Group>
        <Text>Status:</Text>
        <Badge color={statusColor[s.status]} data-testid="setup-status">
          {s.status}
        </Badge>
        {canRun && s.status === "failed" && (
          <Button size="xs" onClick={() => act.mutate("run")} loading={act.isPending}>
            Run again
          </Button>
        )}
        {canRun && s.status === "completed" && (
          <Button size="xs" variant="default" onClick={() => act.mutate("recheck")} loading={act.isPending}>
            Re-check tenant
          </Button>
        )}
      </Group>
      {s.missing.length > 0 && (
        <Alert color="blue" icon={<IconAlertTriangle />}>
          The setup starts automatically once there is {inWords(s.missing)}.
        </Alert>
      )}
      {s.lastError && s.status !== "waiting" && <Alert color="red">{s.lastError}</Alert>}
      <List spacing="sm" listStyleType="none">
        {s.steps.map((step) => (
          <List.Item
            key={step.key}
            icon={<StepIcon status={step.status} />}
            data-testid={`step-${step.key}`}
            data-status={step.status}
          >
            <Text size="sm" fw={500}>
              {step.title}
            </Text>
            {step.key === "dns" && step.txtRecord && step.status !== "done" && (
              <Stack gap={4} mt={4}>
                <Text size="sm">Publish this TXT record in DNS:</Text>
                <Code block>
                  {`${step.txtRecord.name}  ${step.txtRecord.ttl}  IN  TXT  "${step.txtRecord.value}"`}
                </Code>
                {canRun && (
                  <Group>
                    <Button size="xs" onClick={() => act.mutate("verify-dns")} loading={act.isPending}>
                      Verify
                    </Button>
                    <Text size="xs" c="dimmed">
                      Checked again automatically every few minutes.
                    </Text>
                  </Group>
                )}
              </Stack>
            )}
            {step.dnsRecords && (
              <Stack gap={4} mt={4} data-testid="trunk-dns-records">
                <Text size="sm">{step.dnsRecords.operatorMust}</Text>
                {step.dnsRecords.records.length > 0 && (
                  <Code block>
                    {step.dnsRecords.records
                      .map((r) => `${r.name}  ${r.ttl}  IN  ${r.type}  ${r.value}`)
                      .join("\n")}
                  </Code>
                )}
              </Stack>
            )}
            {step.waitingForMicrosoft && step.status !== "done" && (
              <WaitingForMicrosoft
                wait={step.waitingForMicrosoft}
                onCheckNow={canRun ? () => act.mutate("check-now") : undefined}
                checking={act.isPending}
              />
            )}
            {step.lastError &&
              step.status !== "done" &&
              !step.waitingForMicrosoft &&
              !(step.key === "dns" && step.status === "waiting") && (
                <Text size="xs" c={step.status === "failed" ? "red" : "dimmed"}>
                  {step.lastError}
                </Text>
              )}
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}
