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
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useCallback, useEffect, useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { type DeviceRow, UserDevicesEditor } from "./UserDevicesEditor";

/** Add User, with the guide's fields and labels, from the enterprise's and the partner's portal. */
export function AddUserPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const options = useQuery({
    queryKey: ["teams-users-options", accountId],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users/form-options", { params: { path: { accountId } } }),
      ),
  });
  const [pbxLocation, setPbxLocation] = useState<string | null>(null);
  const [regionId, setRegionId] = useState<string | null>(null);
  const [userSearch, setUserSearch] = useState("");
  const [teamsUser, setTeamsUser] = useState<string | null>(null);
  const [teamsUpn, setTeamsUpn] = useState("");
  const [debouncedUser] = useDebouncedValue(userSearch, 200);
  const [sipUser, setSipUser] = useState("");
  const [debouncedSip] = useDebouncedValue(sipUser, 200);
  const [phoneNumber, setPhoneNumber] = useState("");
  // Phone Number follows the suggestion until the user types in it (guide 002 4.5: then they change it).
  const [phoneTyped, setPhoneTyped] = useState(false);
  const [debouncedNumber] = useDebouncedValue(phoneNumber, 200);
  const [disableVoicemail, setDisableVoicemail] = useState(true);
  const [assignDialPlan, setAssignDialPlan] = useState(true);
  const [devices, setDevices] = useState<DeviceRow[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  useEffect(() => {
    const o = options.data;
    if (!o) return;
    if (!pbxLocation && o.pbxLocationOptions.length > 0) setPbxLocation(o.pbxLocationOptions[0]!.value);
    if (!regionId && o.defaultVoiceRouteId) setRegionId(o.defaultVoiceRouteId);
  }, [options.data, pbxLocation, regionId]);

  const eligible = useQuery({
    queryKey: ["teams-users-eligible", accountId, debouncedUser],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users/eligible", {
          params: { path: { accountId }, query: { q: debouncedUser } },
        }),
      ),
  });
  const numbers = useQuery({
    queryKey: ["teams-users-numbers", accountId, debouncedNumber],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users/available-numbers", {
          params: { path: { accountId }, query: { prefix: debouncedNumber.replace(/[^\d+]/g, "") } },
        }),
      ),
  });

  const directory = useQuery({
    queryKey: ["pbx-directory", accountId, debouncedSip],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/pbx-directory", {
          params: { path: { accountId }, query: { q: debouncedSip } },
        }),
      ),
  });
  const suggestion = useQuery({
    queryKey: ["phone-number-suggestion", accountId, debouncedSip],
    queryFn: () =>
      unwrap(
        api.GET("/api/accounts/{accountId}/teams-users/phone-number-suggestion", {
          params: { path: { accountId }, query: { sipUser: debouncedSip } },
        }),
      ),
  });
  const suggested = suggestion.data?.phoneNumber;
  // A corrected field drops its old error (e.g. "already assigned") instead of keeping it until the next submit.
  const clearError = useCallback(
    (field: string) =>
      setErrors((current) => {
        if (!(field in current)) return current;
        const { [field]: _gone, ...rest } = current;
        return rest;
      }),
    [],
  );
  useEffect(() => {
    if (phoneTyped || !suggested) return;
    setPhoneNumber(suggested);
    clearError("phoneNumber");
  }, [suggested, phoneTyped, clearError]);

  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/accounts/{accountId}/teams-users", {
          params: { path: { accountId } },
          body: {
            teamsUserObjectId: options.data?.connected === false ? "" : (teamsUser ?? ""),
            teamsUserPrincipalName: options.data?.connected === false ? teamsUpn : undefined,
            pbxLocation: pbxLocation ?? "",
            regionId: regionId ?? "",
            sipUser,
            phoneNumber,
            disableVoicemail,
            assignDialPlan,
            devices,
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["teams-users", accountId] });
      await queryClient.invalidateQueries({ queryKey: ["dashboard", accountId] });
      await navigate({ to: "/a/$accountId/users", params: { accountId }, search: {} });
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        setErrors(error.fieldErrors());
        setFormError(error.errors.length ? null : error.message);
      } else setFormError((error as Error).message);
    },
  });

  const userOptions = (eligible.data ?? []).map((u) => ({
    value: u.objectId,
    label: u.displayName ? `${u.displayName} (${u.userPrincipalName})` : u.userPrincipalName,
  }));

  return (
    <Stack maw={760}>
      <Title order={2}>Add User</Title>
      {options.data && !options.data.connected && (
        <Alert color="yellow">
          This enterprise has not connected Microsoft Teams yet: the user will wait as pending and is
          provisioned once consent exists.
        </Alert>
      )}
      {formError && <Alert color="red">{formError}</Alert>}
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setErrors({});
            setFormError(null);
            add.mutate();
          }}
        >
          <Stack>
            <Select
              label="PBX Locations"
              data={options.data?.pbxLocationOptions ?? []}
              value={pbxLocation}
              onChange={(value) => {
                setPbxLocation(value);
                clearError("pbxLocation");
              }}
              error={errors.pbxLocation}
              allowDeselect={false}
            />
            <Select
              label="Available Voice Routes"
              data={(options.data?.voiceRoutes ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={regionId}
              onChange={(value) => {
                setRegionId(value);
                clearError("regionId");
              }}
              error={errors.regionId}
              allowDeselect={false}
            />
            {options.data?.connected === false ? (
              <TextInput
                label="Teams User"
                description="The user's sign-in address. It is checked in Microsoft 365 (Teams Phone licence) once the tenant is connected."
                placeholder="ada@contoso.com"
                value={teamsUpn}
                onChange={(e) => {
                  setTeamsUpn(e.currentTarget.value);
                  clearError("teamsUserPrincipalName");
                  clearError("teamsUserObjectId");
                }}
                error={errors.teamsUserPrincipalName ?? errors.teamsUserObjectId}
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
                value={teamsUser}
                onChange={(value) => {
                  setTeamsUser(value);
                  clearError("teamsUserObjectId");
                }}
                filter={({ options: all }) => all}
                nothingFoundMessage="No eligible user matches"
                error={errors.teamsUserObjectId}
              />
            )}
            <Autocomplete
              label="SIP User"
              description="The user's extension on the PBX (cannot already be assigned to another user)."
              value={sipUser}
              onChange={(value) => {
                setSipUser(value);
                setPhoneTyped(false);
                clearError("sipUser");
              }}
              data={(directory.data ?? []).map((u) => ({
                value: u.extension,
                label: u.name ? `${u.extension} (${u.name})` : u.extension,
              }))}
              filter={({ options: all }) => all}
              error={errors.sipUser}
            />
            <Autocomplete
              label="Phone Number"
              description={
                suggestion.data?.source === "pbx-directory"
                  ? `The default caller ID of ${suggestion.data.pbxUserName ?? "this PBX user"} on the PBX; change it to the user's number if it differs.`
                  : "E.164, e.g. +12065550100; numbers allocated to this enterprise are offered."
              }
              value={phoneNumber}
              onChange={(value) => {
                setPhoneNumber(value);
                setPhoneTyped(true);
                clearError("phoneNumber");
              }}
              data={numbers.data ?? []}
              error={errors.phoneNumber}
            />
            <Checkbox
              label="Disable Voicemail in Teams?"
              description="Recommended: leaving Teams voicemail on keeps calls from reaching the user's PBX voicemail and can disturb call queue routing."
              checked={disableVoicemail}
              onChange={(e) => setDisableVoicemail(e.currentTarget.checked)}
            />
            <Checkbox
              label="Assign Default DialPlan Policy?"
              description={
                options.data?.dialPlanName
                  ? `Grants the dial plan "${options.data.dialPlanName}".`
                  : undefined
              }
              checked={assignDialPlan}
              onChange={(e) => setAssignDialPlan(e.currentTarget.checked)}
            />
            <UserDevicesEditor
              devices={devices}
              onChange={(next) => {
                setDevices(next);
                setErrors((current) =>
                  Object.fromEntries(Object.entries(current).filter(([key]) => !key.startsWith("devices."))),
                );
              }}
              errors={errors}
            />
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={() => navigate({ to: "/a/$accountId/users", params: { accountId }, search: {} })}
              >
                Cancel
              </Button>
              <Button type="submit" loading={add.isPending}>
                Add User
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
