import { Alert, Anchor, Button, Loader, PasswordInput, Stack } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { adoptSession } from "../../app/session";
import { AuthCard } from "./AuthCard";
import { useApiErrors, useLinkToken } from "./form";
import { landingFor } from "./SignInPage";

/** Opened from the "Activate Your Account" email: temporary password → new password → signed in. */
export function ActivatePage() {
  const token = useLinkToken();
  const navigate = useNavigate();
  const [values, setValues] = useState({ currentPassword: "", newPassword: "", confirmPassword: "" });
  const [busy, setBusy] = useState(false);
  const errors = useApiErrors(["currentPassword", "newPassword", "confirmPassword"]);
  const set = (field: keyof typeof values) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setValues({ ...values, [field]: event.currentTarget.value });
  // Checked on load, so a used link says so before anyone types three passwords.
  const link = useQuery({
    queryKey: ["activation-link", token],
    queryFn: () => unwrap(api.POST("/api/auth/activation-link", { body: { token: token ?? "" } })),
    enabled: Boolean(token),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });

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
        onSubmit={async (event) => {
          event.preventDefault();
          errors.clear();
          setBusy(true);
          try {
            const session = await unwrap(
              api.POST("/api/auth/activate", { body: { token: token ?? "", ...values } }),
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
          {!token && (
            <Alert color="red">This activation link is incomplete. Open the link from the email again.</Alert>
          )}
          {errors.formError && (
            <Alert color="red" role="alert">
              {errors.formError}
            </Alert>
          )}
          <PasswordInput
            label="Current Password"
            description="The temporary password from the email."
            autoComplete="off"
            value={values.currentPassword}
            onChange={set("currentPassword")}
            error={errors.fieldErrors.currentPassword}
            required
          />
          <PasswordInput
            label="New Password"
            description="At least 12 characters. A few random words work well."
            autoComplete="new-password"
            value={values.newPassword}
            onChange={set("newPassword")}
            error={errors.fieldErrors.newPassword}
            required
          />
          <PasswordInput
            label="Confirm New Password"
            autoComplete="new-password"
            value={values.confirmPassword}
            onChange={set("confirmPassword")}
            error={errors.fieldErrors.confirmPassword}
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
