import { Alert, Anchor, Button, Loader, PasswordInput, Stack } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { api, unwrap } from "../../api/client";
import { adoptSession } from "../../app/session";
import { useApiForm } from "../../forms";
import { AuthCard } from "./AuthCard";
import { identityQueries } from "./api";
import { useLinkToken } from "./link-token";
import { landingFor } from "./SignInPage";

/** Opened from the "Activate Your Account" email: temporary password → new password → signed in. */
export function ActivatePage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
  });
  // Checked on load, so a used link says so before anyone types three passwords.
  const link = useQuery(identityQueries.activationLink(token));

  if (token && link.isPending) {
    return (
      <AuthCard title="Activate Your Account" subtitle="Checking your activation link…">
        <Loader />
      </AuthCard>
    );
  }
  if (link.data?.usable === false) {
    return (
      <AuthCard title="Activate Your Account" subtitle="This link can no longer be used.">
        <Stack>
          <Alert color="yellow" role="alert">
            This activation link was already used or has expired. If you activated your account, sign in;
            otherwise ask your administrator for a new invitation.
          </Alert>
          <Anchor component={Link} to="/sign-in">
            Go to the sign-in page
          </Anchor>
        </Stack>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Activate Your Account"
      subtitle="Enter the temporary password from the email and choose your own password."
    >
      <form
        onSubmit={onSubmit(async (values) => {
          const session = await unwrap(
            api.POST("/api/auth/activate", { body: { token: token ?? "", ...values } }),
          );
          adoptSession(session);
          await navigate({ to: landingFor(session) });
        })}
      >
        <Stack>
          {!token && (
            <Alert color="red">This activation link is incomplete. Open the link from the email again.</Alert>
          )}
          {formError && (
            <Alert color="red" role="alert">
              {formError}
            </Alert>
          )}
          <PasswordInput
            label="Current Password"
            description="The temporary password from the email."
            autoComplete="off"
            {...form.getInputProps("currentPassword")}
            required
          />
          <PasswordInput
            label="New Password"
            description="At least 12 characters. A few random words work well."
            autoComplete="new-password"
            {...form.getInputProps("newPassword")}
            required
          />
          <PasswordInput
            label="Confirm New Password"
            autoComplete="new-password"
            {...form.getInputProps("confirmPassword")}
            required
          />
          <Button type="submit" fullWidth loading={busy} disabled={!token}>
            Reset Password
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
