import { Skeleton, Stack, Text, Title } from "@mantine/core";
import { useParams } from "@tanstack/react-router";
import { useActingAccount } from "../microsoft/useActingAccount";
import { CallLogs } from "./CallLogs";

/** Call logs: the calls through the SBC of this enterprise, or of every enterprise below a partner. */
export function CallLogsPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const kind = useActingAccount(accountId).data?.account.kind;
  return (
    <Stack>
      <Title order={2}>Call logs</Title>
      <Text c="dimmed" size="sm">
        Every call the SBC routed between the PBX and Microsoft Teams, newest first.
      </Text>
      {/* The Enterprise column depends on the kind of account: wait for it rather than add the column later. */}
      {kind === undefined ? (
        <Skeleton h={160} />
      ) : (
        <CallLogs accountId={accountId} showEnterprise={kind !== "enterprise"} />
      )}
    </Stack>
  );
}
