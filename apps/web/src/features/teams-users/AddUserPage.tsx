import {
  Alert,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  Stack,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { api, unwrap } from "../../api/client";
import { useApiForm } from "../../forms";
import { pbxDirectoryQueries } from "../pbx-directory/api";
import { invalidateTeamsUsers, teamsUsersQueries } from "./api";
import { type DeviceRow, UserDevicesEditor } from "./UserDevicesEditor";

const FIELDS = [
  "pbxLocation",
  "regionId",
  "teamsUserObjectId",
  "teamsUserPrincipalName",
  "sipUser",
  "phoneNumber",
] as const;

/** Add User, with the guide's fields and labels, from the enterprise's and the partner's portal. */
export function AddUserPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const options = useQuery(teamsUsersQueries.formOptions(accountId));
  const { form, formError, busy, onSubmit } = useApiForm({
    initialValues: {
      pbxLocation: null as string | null,
      regionId: null as string | null,
      teamsUserObjectId: null as string | null,
      teamsUserPrincipalName: "",
      sipUser: "",
      phoneNumber: "",
      disableVoicemail: true,
      assignDialPlan: true,
      devices: [] as DeviceRow[],
    },
    // Problem paths are the request's: a device's error is `devices.<n>.<field>`, shown on its row.
    fields: (field) => (FIELDS as readonly string[]).includes(field) || field.startsWith("devices."),
  });
  const values = form.getValues();
  const [userSearch, setUserSearch] = useState("");
  const [debouncedUser] = useDebouncedValue(userSearch, 200);
  const [debouncedSip] = useDebouncedValue(values.sipUser, 200);
  const [debouncedNumber] = useDebouncedValue(values.phoneNumber, 200);
  // Phone Number follows the suggestion until the user types in it (guide 002 4.5: then they change it).
  const [phoneTyped, setPhoneTyped] = useState(false);

  const eligible = useQuery(teamsUsersQueries.eligible(accountId, debouncedUser));
  const numbers = useQuery(
    teamsUsersQueries.availableNumbers(accountId, debouncedNumber.replace(/[^\d+]/g, "")),
  );
  const directory = useQuery(pbxDirectoryQueries.users(accountId, debouncedSip));
  const suggestion = useQuery(teamsUsersQueries.phoneNumberSuggestion(accountId, debouncedSip));
  const suggested = suggestion.data?.phoneNumber;

  // The form's defaults arrive with its options: the only PBX, the enterprise's default voice route.
  const { setFieldValue } = form;
  useEffect(() => {
    const o = options.data;
    if (!o) return;
    if (!values.pbxLocation && o.pbxLocationOptions.length > 0)
      setFieldValue("pbxLocation", o.pbxLocationOptions[0]!.value);
    if (!values.regionId && o.defaultVoiceRouteId) setFieldValue("regionId", o.defaultVoiceRouteId);
  }, [options.data, values.pbxLocation, values.regionId, setFieldValue]);
  // Setting a value clears its error (e.g. "already assigned"), as typing in it does.
  useEffect(() => {
    if (!phoneTyped && suggested) setFieldValue("phoneNumber", suggested);
  }, [suggested, phoneTyped, setFieldValue]);

  const notConnected = options.data?.connected === false;
  const submit = onSubmit(async (v) => {
    await unwrap(
      api.POST("/api/accounts/{accountId}/teams-users", {
        params: { path: { accountId } },
        body: {
          teamsUserObjectId: notConnected ? "" : (v.teamsUserObjectId ?? ""),
          teamsUserPrincipalName: notConnected ? v.teamsUserPrincipalName : undefined,
          pbxLocation: v.pbxLocation ?? "",
          regionId: v.regionId ?? "",
          sipUser: v.sipUser,
          phoneNumber: v.phoneNumber,
          disableVoicemail: v.disableVoicemail,
          assignDialPlan: v.assignDialPlan,
          devices: v.devices,
        },
      }),
    );
    await invalidateTeamsUsers(queryClient, accountId);
    await navigate({ to: "/a/$accountId/users", params: { accountId }, search: {} });
  });

  const userOptions = (eligible.data ?? []).map((u) => ({
    value: u.objectId,
    label: u.displayName ? `${u.displayName} (${u.userPrincipalName})` : u.userPrincipalName,
  }));
  const teamsUserError = form.errors.teamsUserPrincipalName ?? form.errors.teamsUserObjectId;

  return (
    <Stack maw={760}>
      <Title order={2}>Add User</Title>
      {notConnected && (
        <Alert color="yellow">
          This enterprise has not connected Microsoft Teams yet: the user will wait as pending and is
          provisioned once consent exists.
        </Alert>
      )}
      {formError && <Alert color="red">{formError}</Alert>}
      <Paper withBorder p="md">
        <form onSubmit={submit}>
          <Stack>
            <Select
              label="PBX Locations"
              data={options.data?.pbxLocationOptions ?? []}
              {...form.getInputProps("pbxLocation")}
              allowDeselect={false}
            />
            <Select
              label="Available Voice Routes"
              data={(options.data?.voiceRoutes ?? []).map((r) => ({ value: r.id, label: r.name }))}
              {...form.getInputProps("regionId")}
              allowDeselect={false}
            />
            {notConnected ? (
              <TextInput
                label="Teams User"
                description="The user's sign-in address. It is checked in Microsoft 365 (Teams Phone licence) once the tenant is connected."
                placeholder="ada@contoso.com"
                {...form.getInputProps("teamsUserPrincipalName")}
                onChange={(e) => {
                  form.setFieldValue("teamsUserPrincipalName", e.currentTarget.value);
                  form.clearFieldError("teamsUserObjectId");
                }}
                error={teamsUserError}
              />
            ) : (
              <Select
                label="Teams User"
                description="Only users with a Teams Phone licence who are not added yet appear here; run Sync Teams Users to pick up new users."
                placeholder="Type a name or email"
                searchable
                searchValue={userSearch}
                onSearchChange={setUserSearch}
                data={userOptions}
                {...form.getInputProps("teamsUserObjectId")}
                filter={({ options: all }) => all}
                nothingFoundMessage="No eligible user matches"
              />
            )}
            <Autocomplete
              label="SIP User"
              description="The user's extension on the PBX (cannot already be assigned to another user)."
              {...form.getInputProps("sipUser")}
              onChange={(value) => {
                form.setFieldValue("sipUser", value);
                setPhoneTyped(false);
              }}
              data={(directory.data ?? []).map((u) => ({
                value: u.extension,
                label: u.name ? `${u.extension} (${u.name})` : u.extension,
              }))}
              filter={({ options: all }) => all}
            />
            <Autocomplete
              label="Phone Number"
              description={
                suggestion.data?.source === "pbx-directory"
                  ? `The default caller ID of ${suggestion.data.pbxUserName ?? "this PBX user"} on the PBX; change it to the user's number if it differs.`
                  : "E.164, e.g. +12065550100; numbers allocated to this enterprise are offered."
              }
              {...form.getInputProps("phoneNumber")}
              onChange={(value) => {
                form.setFieldValue("phoneNumber", value);
                setPhoneTyped(true);
              }}
              data={numbers.data ?? []}
            />
            <Checkbox
              label="Disable Voicemail in Teams?"
              description="Recommended: leaving Teams voicemail on keeps calls from reaching the user's PBX voicemail and can disturb call queue routing."
              {...form.getInputProps("disableVoicemail", { type: "checkbox" })}
            />
            <Checkbox
              label="Assign Default DialPlan Policy?"
              description={
                options.data?.dialPlanName
                  ? `Grants the dial plan "${options.data.dialPlanName}".`
                  : undefined
              }
              {...form.getInputProps("assignDialPlan", { type: "checkbox" })}
            />
            <UserDevicesEditor
              devices={values.devices}
              onChange={(next) => {
                form.setFieldValue("devices", next);
                form.setErrors((current) =>
                  Object.fromEntries(Object.entries(current).filter(([key]) => !key.startsWith("devices."))),
                );
              }}
              errors={form.errors}
            />
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={() => navigate({ to: "/a/$accountId/users", params: { accountId }, search: {} })}
              >
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Add User
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
