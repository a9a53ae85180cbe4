import { Alert, Anchor, Button, Stack, TextInput } from "@mantine/core";
import { Link, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { AuthCard } from "./AuthCard";
import { useApiErrors } from "./form";

/** Username → Send Password Reset Email. The answer is the same whether or not the account exists. */
export function ForgotPasswordPage() {
  const search = useSearch({ from: "/forgot-password" });
  const [username, setUsername] = useState(search.username ?? "");
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = useApiErrors(["username"]);

  return (
    <AuthCard
      title="Forgot password"
      subtitle="Enter your username and we'll email you a link to set a new password."
    >
      {sent ? (
        <Stack>
          <Alert color="green" role="status">
            If an account exists for {username}, we've sent an email titled “Reset password instructions”.
            Click the Set New Password link in it. The link expires in one hour.
          </Alert>
          <Anchor component={Link} to="/sign-in" size="sm">
            Back to sign in
          </Anchor>
        </Stack>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            errors.clear();
            setBusy(true);
            try {
              await unwrap(api.POST("/api/auth/forgot-password", { body: { username } }));
              setSent(true);
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
                {errors.formError}
              </Alert>
            )}
            <TextInput
              label="Username"
              type="email"
              autoComplete="username"
              value={username}
              onChange={(event) => setUsername(event.currentTarget.value)}
              error={errors.fieldErrors.username}
              required
              autoFocus
            />
            <Button type="submit" fullWidth loading={busy}>
              Send Password Reset Email
            </Button>
            <Anchor component={Link} to="/sign-in" size="sm">
              Back to sign in
            </Anchor>
          </Stack>
        </form>
      )}
    </AuthCard>
  );
}
