import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  Image,
  PasswordInput,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { fetchSession, sessionQueryKey, useSession } from "../../app/session";
import { useApiErrors } from "../../forms";
import { identityKeys, identityQueries } from "../identity/api";
import { MicrosoftSignInCard } from "../identity/MicrosoftSignInCard";
import { SessionsCard } from "../identity/SessionsCard";

/** Settings › Security: your own two-factor authentication, the account's 2FA requirement, your sessions. */
export function SecurityPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  const queryClient = useQueryClient();
  const status = useQuery(identityQueries.twoFactor());
  const [enrolment, setEnrolment] = useState<{ secret: string; qrCodeDataUrl: string } | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const errors = useApiErrors(["code", "password"]);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: identityKeys.twoFactor() });
    queryClient.setQueryData(sessionQueryKey, await fetchSession());
  };

  return (
    <Stack maw={720}>
      <Title order={2}>Security</Title>
      {session?.twoFactorSetupRequired && (
        <Alert color="orange" title="Two-factor authentication required">
          Your account requires two-factor authentication. Set it up below to continue using the portal.
        </Alert>
      )}
      <Card withBorder>
        <Stack>
          <Title order={3}>Two-factor authentication</Title>
          <Text size="sm" c="dimmed">
            Sign in with a code from an authenticator app (Microsoft Authenticator, Google Authenticator,
            1Password…) in addition to your password.
          </Text>
          {errors.formError && <Alert color="red">{errors.formError}</Alert>}
          {recoveryCodes && (
            <Alert color="green" title="Save your recovery codes">
              <Text size="sm" mb="xs">
                Each code signs you in once if you lose your phone. They are shown only now.
              </Text>
              <SimpleGrid cols={2} data-testid="recovery-codes">
                {recoveryCodes.map((c) => (
                  <Code key={c}>{c}</Code>
                ))}
              </SimpleGrid>
            </Alert>
          )}
          {status.data?.enabled ? (
            <>
              <Text>
                Two-factor authentication is <b>on</b>. {status.data.recoveryCodesRemaining} recovery codes
                left.
              </Text>
              <PasswordInput
                label="Password"
                description="Needed to turn it off or to get new recovery codes."
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.fieldErrors.password}
                w={320}
              />
              <Group>
                <Button
                  variant="default"
                  onClick={async () => {
                    await errors.submit(async () => {
                      const result = await unwrap(
                        api.POST("/api/me/two-factor/recovery-codes", { body: { password } }),
                      );
                      setRecoveryCodes(result.recoveryCodes);
                      setPassword("");
                      await refresh();
                    });
                  }}
                >
                  New recovery codes
                </Button>
                {!status.data.required && (
                  <Button
                    color="red"
                    variant="light"
                    onClick={async () => {
                      await errors.submit(async () => {
                        await unwrap(api.POST("/api/me/two-factor/disable", { body: { password } }));
                        setPassword("");
                        setRecoveryCodes(null);
                        await refresh();
                      });
                    }}
                  >
                    Turn off
                  </Button>
                )}
              </Group>
            </>
          ) : enrolment ? (
            <form
              onSubmit={async (event) => {
                event.preventDefault();
                await errors.submit(async () => {
                  const result = await unwrap(api.POST("/api/me/two-factor/confirm", { body: { code } }));
                  setRecoveryCodes(result.recoveryCodes);
                  setEnrolment(null);
                  setCode("");
                  await refresh();
                });
              }}
            >
              <Stack>
                <Text size="sm">
                  1. Scan this QR code with your authenticator app, or enter the key by hand.
                </Text>
                <Image
                  src={enrolment.qrCodeDataUrl}
                  alt="QR code for your authenticator app"
                  w={220}
                  h={220}
                />
                <Code data-testid="totp-secret">{enrolment.secret}</Code>
                <Text size="sm">2. Enter the 6-digit code the app shows.</Text>
                <TextInput
                  label="Code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  value={code}
                  onChange={(e) => setCode(e.currentTarget.value)}
                  error={errors.fieldErrors.code}
                  w={200}
                  required
                />
                <Group>
                  <Button type="submit">Turn on</Button>
                </Group>
              </Stack>
            </form>
          ) : (
            <Group>
              <Button
                onClick={async () => {
                  await errors.submit(async () => {
                    setEnrolment(await unwrap(api.POST("/api/me/two-factor/enrol")));
                  });
                }}
              >
                Set up two-factor authentication
              </Button>
            </Group>
          )}
        </Stack>
      </Card>
      {session?.user.role === "Admin" && <AccountRequirement accountId={accountId} />}
      {session?.user.role === "Admin" &&
        session.account.id === accountId &&
        session.account.kind !== "enterprise" && <MicrosoftSignInCard accountId={accountId} />}
      <SessionsCard />
    </Stack>
  );
}

function AccountRequirement({ accountId }: { accountId: string }) {
  const queryClient = useQueryClient();
  const security = useQuery(identityQueries.accountSecurity(accountId));
  if (!security.data) return null;
  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>Account policy</Title>
        <Switch
          label="Require two-factor authentication for every user of this account"
          checked={security.data.requireTwoFactor}
          onChange={async (event) => {
            const requireTwoFactor = event.currentTarget.checked;
            const previous = security.data;
            queryClient.setQueryData(identityKeys.accountSecurity(accountId), { requireTwoFactor });
            try {
              const result = await unwrap(
                api.PUT("/api/accounts/{accountId}/security", {
                  params: { path: { accountId } },
                  body: { requireTwoFactor },
                }),
              );
              queryClient.setQueryData(identityKeys.accountSecurity(accountId), result);
              await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
            } catch {
              queryClient.setQueryData(identityKeys.accountSecurity(accountId), previous);
              notifications.show({ color: "red", message: "Could not change the policy." });
            }
          }}
        />
      </Stack>
    </Card>
  );
}
