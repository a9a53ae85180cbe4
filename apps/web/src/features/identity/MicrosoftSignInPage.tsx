import { Alert, Anchor, Button, Stack, Text } from "@mantine/core";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { adoptSession } from "../../app/session";
import { useApiErrors } from "../../forms";
import { AuthCard } from "./AuthCard";
import { SecondFactorCodeInput } from "./SecondFactorCodeInput";
import { landingFor } from "./SignInPage";

/** Why a Sign in with Microsoft ended without a session (codes from the server's callback). */
const REFUSALS: Record<string, string> = {
  wrong_tenant:
    "The Microsoft 365 organization you signed in with is not connected to this portal. Sign in with the account of an organization that is connected, or ask your provider to connect yours.",
  unknown_user:
    "Your Microsoft account is not a user of this portal. Ask an Admin of your organization in the portal to invite your address, then sign in with Microsoft again.",
  disabled: "Your portal account is disabled. Ask an Admin of your organization in the portal to enable it.",
  email_in_use:
    "Your address already has an account in another part of the portal. Sign in with your username and password instead.",
  not_global_admin:
    "The Microsoft account you signed in with is not a Global Admin of its tenant, so Microsoft sign-in was not enabled. Try again with a Global Admin account.",
  tenant_in_use:
    "That Microsoft 365 tenant already signs in to another account of the portal, so it was not enabled here.",
  cancelled: "The sign-in was cancelled at Microsoft. Nothing was changed.",
  state_expired:
    "This sign-in link has expired or was already used. Start again with Sign in with Microsoft.",
  microsoft_error: "Microsoft could not complete the sign-in. Try again in a few minutes.",
  not_configured:
    "Sign in with Microsoft is not available: the portal's Microsoft app is not configured yet. Sign in with your username.",
};

/**
 * Where Sign in with Microsoft comes back to when it did not end in the portal: a refusal with its reason,
 * the confirmation that a partner's own tenant was enabled, or the portal's two-factor code when Microsoft did
 * not do MFA (the flow id arrives in the URL fragment).
 */
export function MicrosoftSignInPage() {
  const search = useSearch({ from: "/sign-in/microsoft" });
  const [flow] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get("flow"));
  if (flow) return <SecondFactor flow={flow} />;
  if (search.enabled)
    return (
      <AuthCard title="Sign in with Microsoft enabled">
        <Alert color="green">
          The users of your Microsoft 365 tenant who are invited to the portal can now sign in with Microsoft.
        </Alert>
        <Anchor component={Link} to="/">
          Continue to the portal
        </Anchor>
      </AuthCard>
    );
  return (
    <AuthCard title="Could not sign you in">
      <Alert color="red" role="alert">
        {REFUSALS[search.error ?? ""] ?? REFUSALS.microsoft_error}
      </Alert>
      <Button component="a" href="/api/auth/microsoft/start" variant="default" fullWidth>
        Sign in with Microsoft
      </Button>
      <Anchor component={Link} to="/sign-in" size="sm">
        Continue with username
      </Anchor>
    </AuthCard>
  );
}

function SecondFactor({ flow }: { flow: string }) {
  const navigate = useNavigate();
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const errors = useApiErrors(["totpCode", "recoveryCode"]);

  const submit = () =>
    errors.submit(async () => {
      const session = await unwrap(
        api.POST("/api/auth/microsoft/two-factor", {
          body: { flow, ...(useRecovery ? { recoveryCode: code } : { totpCode: code }) },
        }),
      );
      adoptSession(session);
      await navigate({ to: landingFor(session) });
    });

  return (
    <AuthCard
      title="Two-factor authentication"
      subtitle="You signed in with Microsoft. Your portal account also asks for a code."
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack>
          {errors.formError && (
            <Alert color="red" role="alert">
              {errors.formError}
            </Alert>
          )}
          <SecondFactorCodeInput
            useRecovery={useRecovery}
            value={code}
            onChange={setCode}
            error={errors.fieldErrors.totpCode ?? errors.fieldErrors.recoveryCode}
          />
          <Button type="submit" fullWidth loading={errors.busy}>
            Verify
          </Button>
          <Anchor component="button" type="button" size="sm" onClick={() => setUseRecovery((v) => !v)}>
            {useRecovery ? "Use your authenticator app" : "Use a recovery code"}
          </Anchor>
          <Text size="sm" c="dimmed">
            <Anchor component={Link} to="/sign-in" size="sm">
              Start again
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthCard>
  );
}
