import { Table } from "@mantine/core";
import type { TeamsUserRow, UserAction } from "./api";
import { UserRow } from "./UserRow";

export function UsersTable(props: {
  accountId: string;
  rows: TeamsUserRow[];
  onAction: (userId: string, action: UserAction) => void;
}) {
  return (
    <Table striped highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Teams User</Table.Th>
          <Table.Th>SIP User</Table.Th>
          <Table.Th>Phone Number</Table.Th>
          <Table.Th>Voice Route</Table.Th>
          <Table.Th>Calling</Table.Th>
          <Table.Th>Last provisioning</Table.Th>
          <Table.Th>Action</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {props.rows.map((row) => (
          <UserRow key={row.objectId} accountId={props.accountId} row={row} onAction={props.onAction} />
        ))}
      </Table.Tbody>
    </Table>
  );
}
