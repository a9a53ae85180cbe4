import { Alert, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap } from "../../api/client";
import { identityKeys, identityQueries } from "./api";

/**
 * Settings › Security, for a partner's or the operator's Admin: let the users of the account's own Microsoft 365
 * (Entra) tenant Sign in with Microsoft. Enabling sends the Admin to Microsoft, where a Global Admin of that
 * tenant signs in; the tenant they sign in to is the one enabled.
 */
export function MicrosoftSignInCard({ accountId }: { accountId: string }) {
  const queryClient = useQueryClient();
  const setting = useQuery(identityQueries.microsoftSignIn(accountId));
  const failed = (error: unknown) =>
    notifications.show({
      color: "red",
      message: error instanceof ApiError ? (error.detail ?? error.title) : "Something went wrong.",
    });
  if (!setting.data) return null;

  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>Sign in with Microsoft</Title>
        {setting.data.enabled ? (
          <Alert color="green">
            Users of your Microsoft 365 tenant ({setting.data.tenantId}) who are invited to this account can
            sign in with Microsoft.
          </Alert>
        ) : (
          <Text size="sm" c="dimmed">
            Let the users of your organization's own Microsoft 365 tenant sign in with their Microsoft
            account. A Global Admin of that tenant signs in once to enable it; users still need an invitation
            to this account.
          </Text>
        )}
        <Group>
          <Button
            variant={setting.data.enabled ? "default" : "filled"}
            onClick={async () => {
              try {
                const { authorizeUrl } = await unwrap(
                  api.POST("/api/accounts/{accountId}/microsoft-sign-in/enable", {
                    params: { path: { accountId } },
                  }),
                );
                window.location.assign(authorizeUrl);
              } catch (error) {
                failed(error);
              }
            }}
          >
            {setting.data.enabled ? "Use another tenant" : "Enable Sign in with Microsoft"}
          </Button>
          {setting.data.enabled && (
            <Button
              color="red"
              variant="subtle"
              onClick={async () => {
                try {
                  await unwrap(
                    api.DELETE("/api/accounts/{accountId}/microsoft-sign-in", {
                      params: { path: { accountId } },
                    }),
                  );
                  await queryClient.invalidateQueries({ queryKey: identityKeys.microsoftSignIn(accountId) });
                } catch (error) {
                  failed(error);
                }
              }}
            >
              Turn off
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
