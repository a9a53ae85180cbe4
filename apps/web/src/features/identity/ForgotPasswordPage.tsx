import { Alert, Anchor, Button, Stack, TextInput } from "@mantine/core";
import { Link, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useApiForm } from "../../forms";
import { AuthCard } from "./AuthCard";

/** Username → Send Password Reset Email. The answer is the same whether or not the account exists. */
export function ForgotPasswordPage() {
  const search = useSearch({ from: "/forgot-password" });
  const [sent, setSent] = useState<string | null>(null);
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: { username: search.username ?? "" },
  });

  return (
    <AuthCard
      title="Forgot password"
      subtitle="Enter your username and we'll email you a link to set a new password."
    >
      {sent ? (
        <Stack>
          <Alert color="green" role="status">
            If an account exists for {sent}, we've sent an email titled “Reset password instructions”. Click
            the Set New Password link in it. The link expires in one hour.
          </Alert>
          <Anchor component={Link} to="/sign-in" size="sm">
            Back to sign in
          </Anchor>
        </Stack>
      ) : (
        <form
          onSubmit={onSubmit(async ({ username }) => {
            await unwrap(api.POST("/api/auth/forgot-password", { body: { username } }));
            setSent(username);
          })}
        >
          <Stack>
            {formError && (
              <Alert color="red" role="alert">
                {formError}
              </Alert>
            )}
            <TextInput
              label="Username"
              type="email"
              autoComplete="username"
              {...form.getInputProps("username")}
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
