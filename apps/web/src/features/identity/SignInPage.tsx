import { Button, TextInput } from "@mantine/core";
import { useState } from "react";
import { AuthCard } from "./AuthCard";

/** Username-first sign-in (step 1). The password step arrives with the identity feature. */
export function SignInPage() {
  const [username, setUsername] = useState("");
  return (
    <AuthCard title="Sign in" subtitle="Enter your email address to continue.">
      <form
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <TextInput
          label="Username"
          type="email"
          autoComplete="username"
          value={username}
          onChange={(event) => setUsername(event.currentTarget.value)}
          required
          mb="md"
        />
        <Button type="submit" fullWidth>
          Continue with username
        </Button>
      </form>
    </AuthCard>
  );
}
