import { Alert, Button, FileInput, Group, PasswordInput, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api, unwrap } from "../../api/client";
import { pbxDirectoryKeys, pbxDirectoryQueries } from "./api";

/**
 * The enterprise's PBX directory (extension, name, default caller ID) that Add User's SIP User and Phone
 * Number come from: a CSV upload, or the PBX's directory URL (HTTP adapter) with Sync now.
 */
export function PbxDirectoryCard({ accountId, readOnly }: { accountId: string; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const path = { params: { path: { accountId } } };
  const users = useQuery(pbxDirectoryQueries.users(accountId, ""));
  const source = useQuery(pbxDirectoryQueries.source(accountId));
  const refresh = () => queryClient.invalidateQueries({ queryKey: pbxDirectoryKeys.all(accountId) });
  const [file, setFile] = useState<File | null>(null);
  const [baseUrl, setBaseUrl] = useState<string | null>(null);
  const [token, setToken] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const onError = (error: Error) => {
    if (error instanceof ApiError) {
      setErrors(error.fieldErrors());
      setMessage(error.detail ?? error.title);
    } else setMessage(error.message);
  };
  const upload = useMutation({
    mutationFn: async () =>
      unwrap(
        api.PUT("/api/accounts/{accountId}/pbx-directory", {
          ...path,
          body: { csv: await (file as File).text() },
        }),
      ),
    onMutate: () => {
      setErrors({});
      setMessage(null);
    },
    onSuccess: async ({ imported }) => {
      setMessage(`${imported} PBX user(s) imported.`);
      setFile(null);
      await refresh();
    },
    onError,
  });
  const saveSource = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/accounts/{accountId}/pbx-directory/source", {
          ...path,
          body: { baseUrl: baseUrl ?? source.data?.baseUrl ?? "", ...(token ? { bearerToken: token } : {}) },
        }),
      ),
    onMutate: () => {
      setErrors({});
      setMessage(null);
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(pbxDirectoryQueries.source(accountId).queryKey, saved);
      setToken("");
      setMessage("PBX directory URL saved; reading it now.");
    },
    onError,
  });
  const sync = useMutation({
    mutationFn: () => unwrap(api.POST("/api/accounts/{accountId}/pbx-directory/sync", path)),
    onSuccess: () => setMessage("Reading the PBX directory now."),
    onError,
  });
  const errorList = Object.entries(errors).filter(
    ([field]) => field.startsWith("csv") || field.startsWith("users"),
  );

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Add User offers these extensions as SIP User and pre-fills Phone Number with the PBX user's default
        caller ID.
      </Text>
      {message && <Alert color={Object.keys(errors).length ? "red" : "blue"}>{message}</Alert>}
      {errorList.length > 0 && (
        <Alert color="red" title="Nothing was imported">
          {errorList.map(([field, text]) => (
            <Text size="sm" key={field}>
              {text}
            </Text>
          ))}
        </Alert>
      )}
      {!readOnly && (
        <Group align="flex-end">
          <FileInput
            label="PBX users (CSV)"
            description="extension,name,default_caller_id per line"
            accept=".csv,text/csv"
            value={file}
            onChange={setFile}
            w={320}
            clearable
          />
          <Button onClick={() => upload.mutate()} disabled={!file} loading={upload.isPending}>
            Import PBX users
          </Button>
        </Group>
      )}
      {!readOnly && (
        <Group align="flex-end">
          <TextInput
            label="PBX directory URL"
            description="sip2teams reads GET <URL>/users (see the API document, PbxDirectoryDocument)."
            placeholder="https://pbx.example.com/api"
            value={baseUrl ?? source.data?.baseUrl ?? ""}
            onChange={(e) => setBaseUrl(e.currentTarget.value)}
            error={errors.baseUrl}
            w={320}
          />
          <PasswordInput
            label="Bearer token (optional)"
            placeholder={source.data?.hasBearerToken ? "Stored; type to replace" : ""}
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            error={errors.bearerToken}
            w={240}
          />
          <Button variant="light" onClick={() => saveSource.mutate()} loading={saveSource.isPending}>
            Save URL
          </Button>
          {source.data && (
            <Button variant="default" onClick={() => sync.mutate()} loading={sync.isPending}>
              Sync now
            </Button>
          )}
        </Group>
      )}
      {source.data?.lastSyncError && <Alert color="red">Last sync failed: {source.data.lastSyncError}</Alert>}
      {source.data?.lastSyncedAt && !source.data.lastSyncError && (
        <Text size="sm" c="dimmed">
          Last sync {new Date(source.data.lastSyncedAt).toLocaleString()}: {source.data.lastSyncCount} PBX
          user(s).
        </Text>
      )}
      {users.data && users.data.length === 0 ? (
        <Text size="sm">No PBX users yet: import a CSV or set the PBX directory URL.</Text>
      ) : (
        <Table data-testid="pbx-directory">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Extension</Table.Th>
              <Table.Th>Name</Table.Th>
              <Table.Th>Default caller ID</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data ?? []).map((u) => (
              <Table.Tr key={u.extension}>
                <Table.Td>{u.extension}</Table.Td>
                <Table.Td>{u.name}</Table.Td>
                <Table.Td>{u.defaultCallerId ?? ""}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
