import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Loader,
  Popover,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconArrowBackUp, IconChevronDown, IconChevronRight, IconSearch } from "@tabler/icons-react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { type Session, useSession } from "../../app/session";
import { dashboardQueries } from "../dashboard/api";
import { type SwitchableAccount, tenancyQueries } from "./api";

type Item = SwitchableAccount;

const kindLabel = { operator: "Operator", partner: "Partner", enterprise: "Enterprise" } as const;

/** The acting account's name, from the dashboard query every page shares. */
function useActingAccountName(accountId: string, session: Session | null | undefined) {
  const own = session?.account.id === accountId;
  const acting = useQuery({ ...dashboardQueries.summary(accountId), enabled: Boolean(session) && !own });
  return own ? session?.account.name : acting.data?.account.name;
}

/**
 * The multitenant menu: shows your own company; opens a searchable tree of the accounts below it.
 * Choosing one puts it in the URL (/a/{id}/…); a badge shows whose environment you are in, with one click back.
 */
export function AccountSwitcher({ accountId }: { accountId: string }) {
  const { data: session } = useSession();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const actingName = useActingAccountName(accountId, session);
  if (!session) return null;
  const own = session.account.id === accountId;
  const go = async (id: string) => {
    setOpened(false);
    setSearch("");
    await navigate({ to: `/a/${id}/dashboard` });
  };

  return (
    <Group gap="xs" wrap="nowrap">
      <Popover opened={opened} onChange={setOpened} position="bottom-start" width={380} shadow="md" trapFocus>
        <Popover.Target>
          <UnstyledButton
            onClick={() => setOpened((o) => !o)}
            aria-label="Switch account"
            data-testid="account-switcher"
          >
            <Group gap={4} wrap="nowrap">
              <Text fw={600}>{session.account.name}</Text>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Popover.Target>
        <Popover.Dropdown p="xs">
          <Stack gap="xs">
            <TextInput
              placeholder="Search accounts"
              aria-label="Search accounts"
              leftSection={<IconSearch size={14} />}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
            />
            <ScrollArea.Autosize mah={360}>
              <AccountRow
                item={{ id: session.account.id, name: session.account.name, kind: session.account.kind }}
                active={own}
                onPick={go}
                label="Your account"
              />
              {debounced ? (
                <SearchResults
                  scopeId={session.account.id}
                  search={debounced}
                  current={accountId}
                  onPick={go}
                />
              ) : (
                <Level
                  scopeId={session.account.id}
                  parentId={session.account.id}
                  depth={1}
                  current={accountId}
                  onPick={go}
                />
              )}
            </ScrollArea.Autosize>
          </Stack>
        </Popover.Dropdown>
      </Popover>
      {!own && (
        <Group gap={4} wrap="nowrap" data-testid="acting-indicator">
          <Badge color="orange" variant="filled" size="lg" tt="none">
            Acting in {actingName ?? "another account"}
          </Badge>
          <Tooltip label={`Back to ${session.account.name}`}>
            <ActionIcon
              variant="light"
              color="orange"
              aria-label={`Back to ${session.account.name}`}
              onClick={() => go(session.account.id)}
            >
              <IconArrowBackUp size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      )}
    </Group>
  );
}

function AccountRow(props: {
  item: { id: string; name: string; kind: keyof typeof kindLabel };
  active: boolean;
  onPick(id: string): void;
  label?: string;
  depth?: number;
  toggle?: { expanded: boolean; onToggle(): void };
  breadcrumb?: string;
}) {
  return (
    <Group gap={4} wrap="nowrap" pl={(props.depth ?? 0) * 16}>
      {props.toggle ? (
        <ActionIcon
          size="sm"
          variant="subtle"
          aria-label={`${props.toggle.expanded ? "Collapse" : "Expand"} ${props.item.name}`}
          onClick={props.toggle.onToggle}
        >
          {props.toggle.expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
        </ActionIcon>
      ) : (
        <span style={{ width: 22, flexShrink: 0 }} />
      )}
      <UnstyledButton
        onClick={() => props.onPick(props.item.id)}
        style={{ flex: 1, borderRadius: 4, padding: "4px 6px" }}
        bg={props.active ? "indigo.0" : undefined}
        role="menuitem"
        aria-label={props.item.name}
      >
        <Text size="sm" fw={props.active ? 600 : 400} truncate>
          {props.item.name}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {props.label ?? kindLabel[props.item.kind]}
          {props.breadcrumb ? ` · ${props.breadcrumb}` : ""}
        </Text>
      </UnstyledButton>
    </Group>
  );
}

function Level(props: {
  scopeId: string;
  parentId: string;
  depth: number;
  current: string;
  onPick(id: string): void;
}) {
  const level = useInfiniteQuery(tenancyQueries.switchableLevel(props.scopeId, props.parentId));
  if (level.isPending) return <Loader size="xs" ml={props.depth * 16 + 22} />;
  const items = level.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      {items.map((item) => (
        <TreeNode key={item.id} item={item} {...props} />
      ))}
      {level.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-xs"
          ml={props.depth * 16 + 22}
          onClick={() => level.fetchNextPage()}
          loading={level.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </>
  );
}

function TreeNode(props: {
  item: Item;
  scopeId: string;
  depth: number;
  current: string;
  onPick(id: string): void;
}) {
  const [expanded, setExpanded] = useState(false);
  const { item } = props;
  return (
    <>
      <AccountRow
        item={item}
        active={item.id === props.current}
        onPick={props.onPick}
        depth={props.depth}
        toggle={item.childCount > 0 ? { expanded, onToggle: () => setExpanded((e) => !e) } : undefined}
      />
      {expanded && (
        <Level
          scopeId={props.scopeId}
          parentId={item.id}
          depth={props.depth + 1}
          current={props.current}
          onPick={props.onPick}
        />
      )}
    </>
  );
}

function SearchResults(props: {
  scopeId: string;
  search: string;
  current: string;
  onPick(id: string): void;
}) {
  const results = useInfiniteQuery(tenancyQueries.switchableSearch(props.scopeId, props.search));
  if (results.isPending) return <Loader size="xs" m="xs" />;
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed" p="xs">
        No accounts match “{props.search}”.
      </Text>
    );
  return (
    <>
      {items.map((item) => (
        <AccountRow
          key={item.id}
          item={item}
          active={item.id === props.current}
          onPick={props.onPick}
          breadcrumb={item.ancestors.map((a) => a.name).join(" › ")}
        />
      ))}
      {results.hasNextPage && (
        <Button
          variant="subtle"
          size="compact-xs"
          onClick={() => results.fetchNextPage()}
          loading={results.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </>
  );
}
