import { TextInput } from "@mantine/core";

/** The second step of a sign-in: an authenticator code, or one of the saved recovery codes. */
export function SecondFactorCodeInput(props: {
  useRecovery: boolean;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}) {
  return (
    <TextInput
      label={props.useRecovery ? "Recovery code" : "Authentication code"}
      description={
        props.useRecovery
          ? "One of the recovery codes you saved."
          : "The 6-digit code from your authenticator app."
      }
      autoComplete="one-time-code"
      inputMode={props.useRecovery ? "text" : "numeric"}
      value={props.value}
      onChange={(event) => props.onChange(event.currentTarget.value)}
      error={props.error}
      required
      autoFocus
    />
  );
}
