import { Alert, Anchor, Button, Divider, Group, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { adoptSession, type Session } from "../../app/session";
import { useApiErrors } from "../../forms";
import { AuthCard } from "./AuthCard";
import { SecondFactorCodeInput } from "./SecondFactorCodeInput";

type Step = "username" | "password" | "code";

/** Where to go after signing in: the page that asked for it (same-origin paths only) or the dashboard. */
export function landingFor(session: Session, redirect?: string): string {
  if (session.twoFactorSetupRequired) return `/a/${session.account.id}/settings/security`;
  if (redirect && /^\/(?![/\\])/.test(redirect)) return redirect;
  return `/a/${session.account.id}/dashboard`;
}

/** Username first (Username → Continue with username), then Password → Sign In, then a code if 2FA is on. */
export function SignInPage() {
  const search = useSearch({ from: "/sign-in" });
  const navigate = useNavigate();
  const [step, setStep] = useState<Step>("username");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const errors = useApiErrors(["username", "password", "totpCode", "recoveryCode"]);

  const submit = () =>
    errors.submit(async () => {
      try {
        const session = await unwrap(
          api.POST("/api/auth/sign-in", {
            body: {
              username,
              password,
              ...(step === "code" ? (useRecovery ? { recoveryCode: code } : { totpCode: code }) : {}),
            },
          }),
        );
        adoptSession(session);
        await navigate({ to: landingFor(session, search.redirect) });
      } catch (error) {
        if (
          error instanceof ApiError &&
          (error.status === 401 || error.status === 429) &&
          error.errors.some((e) => e.field === "totpCode") &&
          step !== "code"
        ) {
          // 401: two-factor authentication is on. 429: the username is slowed down after many failures
          // elsewhere; the password with a valid code still signs in, so ask for it and say why.
          setStep("code");
          if (error.status === 429) errors.show(error);
        } else throw error;
      }
    });

  return (
    <AuthCard
      title="Sign in"
      subtitle={step === "username" ? "Enter your email address to continue." : undefined}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (step === "username") {
            if (username.trim()) setStep("password");
          } else {
            void submit();
          }
        }}
      >
        <Stack>
          {errors.formError && (
            <Alert color="red" role="alert">
              {errors.formError}
            </Alert>
          )}
          {step === "username" ? (
            <>
              <TextInput
                label="Username"
                type="email"
                autoComplete="username"
                value={username}
                onChange={(event) => setUsername(event.currentTarget.value)}
                required
                autoFocus
              />
              <Button type="submit" fullWidth>
                Continue with username
              </Button>
              <Divider label="or" labelPosition="center" />
              {/* A plain link: the server answers with the redirect to Microsoft's sign-in. */}
              <Button component="a" href="/api/auth/microsoft/start" variant="default" fullWidth>
                Sign in with Microsoft
              </Button>
            </>
          ) : (
            <>
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm" fw={500} truncate>
                  {username}
                </Text>
                <Anchor
                  component="button"
                  type="button"
                  size="sm"
                  onClick={() => {
                    setStep("username");
                    setPassword("");
                    setCode("");
                    errors.clear();
                  }}
                >
                  Change
                </Anchor>
              </Group>
              {step === "password" && (
                <PasswordInput
                  label="Password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(event) => setPassword(event.currentTarget.value)}
                  error={errors.fieldErrors.password}
                  required
                  autoFocus
                />
              )}
              {step === "code" && (
                <SecondFactorCodeInput
                  useRecovery={useRecovery}
                  value={code}
                  onChange={setCode}
                  error={errors.fieldErrors.totpCode ?? errors.fieldErrors.recoveryCode}
                />
              )}
              <Button type="submit" fullWidth loading={errors.busy}>
                {step === "code" ? "Verify" : "Sign In"}
              </Button>
              {step === "code" ? (
                <Anchor component="button" type="button" size="sm" onClick={() => setUseRecovery((v) => !v)}>
                  {useRecovery ? "Use your authenticator app" : "Use a recovery code"}
                </Anchor>
              ) : (
                <Anchor
                  size="sm"
                  renderRoot={(props) => <Link {...props} to="/forgot-password" search={{ username }} />}
                >
                  Forgot password
                </Anchor>
              )}
            </>
          )}
        </Stack>
      </form>
    </AuthCard>
  );
}
