import { Alert, Anchor, Button, PasswordInput, Stack } from "@mantine/core";
import { Link, useNavigate } from "@tanstack/react-router";
import { api, unwrap } from "../../api/client";
import { adoptSession } from "../../app/session";
import { useApiForm } from "../../forms";
import { AuthCard } from "./AuthCard";
import { useLinkToken } from "./link-token";
import { landingFor } from "./SignInPage";

/** Opened from the "Set New Password" link of the "Reset password instructions" email. */
export function ResetPasswordPage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { newPassword: "", confirmPassword: "" },
  });

  return (
    <AuthCard
      title="Set New Password"
      subtitle="Choose a new password. You'll be signed out everywhere else."
    >
      <form
        onSubmit={onSubmit(async (values) => {
          const session = await unwrap(
            api.POST("/api/auth/reset-password", { body: { token: token ?? "", ...values } }),
          );
          adoptSession(session);
          await navigate({ to: landingFor(session) });
        })}
      >
        <Stack>
          {formError && (
            <Alert color="red" role="alert">
              {formError}{" "}
              <Anchor component={Link} to="/forgot-password" size="sm">
                Request a new link
              </Anchor>
            </Alert>
          )}
          <PasswordInput
            label="New Password"
            description="At least 12 characters. A few random words work well."
            autoComplete="new-password"
            {...form.getInputProps("newPassword")}
            required
            autoFocus
          />
          <PasswordInput
            label="Confirm New Password"
            autoComplete="new-password"
            {...form.getInputProps("confirmPassword")}
            required
          />
          <Button type="submit" fullWidth loading={busy} disabled={!token}>
            Set New Password
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
