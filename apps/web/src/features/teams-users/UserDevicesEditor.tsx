import { Button, Code, Group, PasswordInput, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { generateDevicePassword } from "./device-password";

const DEVICE_PASSWORD = /^[A-Za-z0-9]{8,64}$/;
const DEVICE_ACTIONS = [
  { value: "generate", label: "Generate password" },
  { value: "remove", label: "Remove device" },
];

/** A SIP device row. A saved device has an `id` and no `password` until one is set or regenerated. */
export interface DeviceRow {
  id?: string;
  authId: string;
  password?: string;
  revealed?: string;
}

/**
 * The guide's "User Devices" with "Add New Device": SIP Authentication ID and a generated Password per
 * device, masked while typed (with a show toggle), and an Action select per row. Saved passwords stay hidden
 * until "Show" (each reveal is audited by the server).
 */
export function UserDevicesEditor({
  devices,
  onChange,
  errors,
  onReveal,
}: {
  devices: DeviceRow[];
  onChange: (devices: DeviceRow[]) => void;
  errors: Record<string, ReactNode>;
  onReveal?: (deviceId: string) => void;
}) {
  const update = (index: number, change: Partial<DeviceRow>) =>
    onChange(devices.map((device, j) => (j === index ? { ...device, ...change } : device)));

  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Text fw={500}>User Devices</Text>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...devices, { authId: "", password: generateDevicePassword() }])}
        >
          Add New Device
        </Button>
      </Group>
      {devices.length > 0 && (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>SIP Authentication ID</Table.Th>
              <Table.Th>Password</Table.Th>
              <Table.Th>Action</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {devices.map((device, i) => (
              <Table.Tr key={device.id ?? `new-${i}`}>
                <Table.Td>
                  <TextInput
                    aria-label="SIP Authentication ID"
                    value={device.authId}
                    onChange={(e) => update(i, { authId: e.currentTarget.value })}
                    error={errors[`devices.${i}.authId`]}
                  />
                </Table.Td>
                <Table.Td>
                  {device.password !== undefined ? (
                    <PasswordInput
                      aria-label="Password"
                      autoComplete="new-password"
                      visibilityToggleButtonProps={{ "aria-label": "Show password" }}
                      value={device.password}
                      onChange={(e) => update(i, { password: e.currentTarget.value })}
                      error={
                        errors[`devices.${i}.password`] ??
                        (device.password && !DEVICE_PASSWORD.test(device.password)
                          ? "Use 8 to 64 letters and digits, no special characters."
                          : undefined)
                      }
                    />
                  ) : (
                    <Group gap="xs">
                      <Code>{device.revealed ?? "••••••••"}</Code>
                      {device.id && !device.revealed && onReveal && (
                        <Button size="compact-xs" variant="subtle" onClick={() => onReveal(device.id!)}>
                          Show
                        </Button>
                      )}
                    </Group>
                  )}
                </Table.Td>
                <Table.Td>
                  {/* The guide's "Action: Select": a choice that acts, then shows "Select" again. */}
                  <Select
                    aria-label="Action"
                    placeholder="Select"
                    data={DEVICE_ACTIONS}
                    value={null}
                    onChange={(action) => {
                      if (action === "generate") update(i, { password: generateDevicePassword() });
                      if (action === "remove") onChange(devices.filter((_, j) => j !== i));
                    }}
                    w={190}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
