import {
  Alert,
  Badge,
  Button,
  Code,
  FileInput,
  Group,
  Pagination,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import {
  applyImport,
  bulkImportQueries,
  IMPORT_PAGE_SIZE,
  invalidateImport,
  resumeImport,
  uploadUsersCsv,
} from "./api";

const COLUMNS =
  "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices";
/** The server's limits (USERS_CSV_LIMITS); the size is checked here too, before anything is sent. */
const MAX_FILE_MB = 5;

/** Bulk CSV import of users: upload, a preview with per-row errors, confirm, progress. */
export function BulkImportPage() {
  const { accountId } = useParams({ from: "/a/$accountId" });
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [errorsOnly, setErrorsOnly] = useState(true);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<string | null>(null);

  const upload = useMutation({
    mutationFn: async (f: File) => {
      if (f.size > MAX_FILE_MB * 1024 * 1024)
        throw new Error(`The file is larger than ${MAX_FILE_MB} MB: split it into several files.`);
      return uploadUsersCsv(accountId, f);
    },
    onSuccess: (r) => {
      setImportId(r.id);
      setPage(1);
    },
    onError: (e: Error) => setError(e.message),
  });

  const view = useQuery({
    ...bulkImportQueries.rows(accountId, importId ?? "", errorsOnly, page),
    enabled: Boolean(importId),
  });
  const refresh = () => (importId ? invalidateImport(queryClient, accountId, importId) : undefined);
  const apply = useMutation({
    mutationFn: () => applyImport(accountId, importId ?? ""),
    onSuccess: refresh,
    onError: (e: Error) => setError(e.message),
  });
  const resume = useMutation({
    mutationFn: () => resumeImport(accountId, importId ?? ""),
    onSuccess: refresh,
    onError: (e: Error) => setError(e.message),
  });

  const summary = view.data?.import;
  const shownPages = summary
    ? Math.ceil((errorsOnly ? summary.errorRows : summary.totalRows) / IMPORT_PAGE_SIZE)
    : 0;

  return (
    <Stack>
      <Title order={2}>Import users from CSV</Title>
      <Text size="sm">
        A header row and one user per line: <Code>{COLUMNS}</Code>. <Code>voice_route</Code> is a region name
        (empty: the default), the flags are yes/no (empty: yes), <Code>devices</Code> is{" "}
        <Code>authId:password; …</Code>. Nothing is added until you confirm the preview. At most {MAX_FILE_MB}{" "}
        MB, 20,000 rows and 4 KB per row, saved as CSV UTF-8.
      </Text>
      <Group align="end">
        <FileInput
          label="CSV file"
          accept=".csv,text/csv"
          value={file}
          onChange={setFile}
          w={360}
          clearable
        />
        <Button
          leftSection={<IconUpload size={16} />}
          disabled={!file}
          loading={upload.isPending}
          onClick={() => {
            setError(null);
            if (file) upload.mutate(file);
          }}
        >
          Upload and check
        </Button>
      </Group>
      {error && (
        <Alert color="red" withCloseButton onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
      {summary && (
        <Stack>
          <Group>
            <Badge size="lg" variant="light">
              {summary.totalRows} rows
            </Badge>
            <Badge size="lg" color="green" variant="light">
              {summary.validRows} valid
            </Badge>
            <Badge size="lg" color={summary.errorRows ? "red" : "gray"} variant="light">
              {summary.errorRows} with errors
            </Badge>
            <Badge size="lg" color="blue" variant="light">
              {summary.status}
            </Badge>
          </Group>
          {summary.lastError && <Alert color="red">{summary.lastError}</Alert>}
          {summary.status === "preview" && summary.validRows > 0 && (
            <Group>
              <Button onClick={() => apply.mutate()} loading={apply.isPending}>
                Confirm import of {summary.validRows} user(s)
              </Button>
              {summary.errorRows > 0 && (
                <Text size="sm">Rows with errors are skipped; fix them and upload again.</Text>
              )}
            </Group>
          )}
          {summary.interrupted && (
            <Alert color="orange" title="The import stopped">
              <Stack gap="xs" align="flex-start">
                <Text size="sm">
                  It stopped after {summary.appliedRows + summary.failedRows} of {summary.validRows} row(s).
                  Resuming continues with the rest; rows already added are not added again.
                </Text>
                <Button color="orange" onClick={() => resume.mutate()} loading={resume.isPending}>
                  Resume import
                </Button>
              </Stack>
            </Alert>
          )}
          {(summary.status === "applying" || summary.status === "completed") && (
            <Stack gap={4}>
              <Progress
                value={((summary.appliedRows + summary.failedRows) / Math.max(1, summary.validRows)) * 100}
              />
              <Text size="sm">
                {summary.appliedRows} added, {summary.failedRows} failed of {summary.validRows}
                {summary.status === "completed" ? " — done." : "…"}
              </Text>
            </Stack>
          )}
          <Group>
            <Button
              variant={errorsOnly ? "filled" : "default"}
              size="xs"
              onClick={() => {
                setErrorsOnly(true);
                setPage(1);
              }}
            >
              Rows with errors
            </Button>
            <Button
              variant={errorsOnly ? "default" : "filled"}
              size="xs"
              onClick={() => {
                setErrorsOnly(false);
                setPage(1);
              }}
            >
              All rows
            </Button>
          </Group>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th>Teams User</Table.Th>
                <Table.Th>SIP User</Table.Th>
                <Table.Th>Phone Number</Table.Th>
                <Table.Th>Problems / result</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {view.data?.rows.map((r) => (
                <Table.Tr key={r.rowNumber}>
                  <Table.Td>{r.rowNumber}</Table.Td>
                  <Table.Td>{r.upn}</Table.Td>
                  <Table.Td>{r.sipUser}</Table.Td>
                  <Table.Td>{r.phoneNumber}</Table.Td>
                  <Table.Td>
                    {r.errors.map((e) => (
                      <Text key={`${e.field}:${e.message}`} size="sm" c="red">
                        {e.field}: {e.message}
                      </Text>
                    ))}
                    {r.outcome && (
                      <Text
                        size="sm"
                        c={r.outcome === "created" ? "green" : r.outcome === "applying" ? "dimmed" : "red"}
                      >
                        {r.outcome}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {shownPages > 1 && <Pagination total={shownPages} value={page} onChange={setPage} />}
        </Stack>
      )}
    </Stack>
  );
}
