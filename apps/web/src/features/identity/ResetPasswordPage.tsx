import { Alert, Anchor, Button, PasswordInput, Stack } from "@mantine/core";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { adoptSession } from "../../app/session";
import { AuthCard } from "./AuthCard";
import { useApiErrors, useLinkToken } from "./form";
import { landingFor } from "./SignInPage";

/** Opened from the "Set New Password" link of the "Reset password instructions" email. */
export function ResetPasswordPage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const [values, setValues] = useState({ newPassword: "", confirmPassword: "" });
  const [busy, setBusy] = useState(false);
  const errors = useApiErrors(["newPassword", "confirmPassword"]);

  return (
    <AuthCard
      title="Set New Password"
      subtitle="Choose a new password. You'll be signed out everywhere else."
    >
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          errors.clear();
          setBusy(true);
          try {
            const session = await unwrap(
              api.POST("/api/auth/reset-password", { body: { token: token ?? "", ...values } }),
            );
            adoptSession(session);
            await navigate({ to: landingFor(session) });
          } catch (error) {
            errors.show(error);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Stack>
          {errors.formError && (
            <Alert color="red" role="alert">
              {errors.formError}{" "}
              <Anchor component={Link} to="/forgot-password" size="sm">
                Request a new link
              </Anchor>
            </Alert>
          )}
          <PasswordInput
            label="New Password"
            description="At least 12 characters. A few random words work well."
            autoComplete="new-password"
            value={values.newPassword}
            onChange={(event) => setValues({ ...values, newPassword: event.currentTarget.value })}
            error={errors.fieldErrors.newPassword}
            required
            autoFocus
          />
          <PasswordInput
            label="Confirm New Password"
            autoComplete="new-password"
            value={values.confirmPassword}
            onChange={(event) => setValues({ ...values, confirmPassword: event.currentTarget.value })}
            error={errors.fieldErrors.confirmPassword}
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
