import { Button, Center, Stack, Text, Title } from "@mantine/core";
import { Link } from "@tanstack/react-router";

export function NotFound() {
  return (
    <Center h="60vh">
      <Stack align="center">
        <Title order={2}>Page not found</Title>
        <Text c="dimmed">The page you asked for does not exist or you cannot see it.</Text>
        <Button component={Link} to="/">
          Go to the dashboard
        </Button>
      </Stack>
    </Center>
  );
}
