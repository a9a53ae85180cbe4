import { AppShell, Burger, Group, Menu, NavLink, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconAffiliate,
  IconBuilding,
  IconChartBar,
  IconChevronDown,
  IconHistory,
  IconKey,
  IconLayoutDashboard,
  IconPalette,
  IconPhone,
  IconPhoneCall,
  IconPlugConnected,
  IconServerCog,
  IconSettings,
  IconShieldLock,
  IconUsers,
  IconWebhook,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link, Navigate, Outlet, useNavigate, useParams, useRouterState } from "@tanstack/react-router";
import { signOut, useRedirectWhenSignedOut, useSession } from "../app/session";
import { brandQueries } from "../features/branding/api";
import { BrandMark } from "../features/branding/BrandMark";
import { TeamsMenu } from "../features/microsoft/TeamsMenu";
import { useActingAccount as useActingAccountForNav } from "../features/microsoft/useActingAccount";
import { AccountSwitcher } from "../features/tenancy/AccountSwitcher";

/** The portal shell: left navigation, top bar with the multitenant menu and the Microsoft Teams icon. */
export function AppLayout() {
  const [opened, { toggle }] = useDisclosure();
  const { accountId } = useParams({ from: "/a/$accountId" });
  const { data: session } = useSession();
  useRedirectWhenSignedOut();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const navigate = useNavigate();
  const base = `/a/${accountId}`;
  const actingKind = useActingAccountForNav(accountId).data?.account.kind;

  // A customer's users have no Enterprises or Trunks; a partner acting in an enterprise gets its own list back.
  const customer = session?.account.kind === "enterprise";
  const enterprisesHref =
    actingKind === "enterprise" && session ? `/a/${session.account.id}/enterprises` : `${base}/enterprises`;
  const nav = [
    { label: "Dashboard", href: `${base}/dashboard`, icon: IconLayoutDashboard },
    ...(customer
      ? []
      : [
          { label: "Enterprises", href: enterprisesHref, icon: IconBuilding },
          { label: "Trunks", href: `${base}/trunks`, icon: IconPlugConnected },
        ]),
    ...(actingKind === "enterprise" ? [{ label: "Users", href: `${base}/users`, icon: IconUsers }] : []),
    { label: "Numbers", href: `${base}/numbers`, icon: IconPhone },
    { label: "Call logs", href: `${base}/call-logs`, icon: IconPhoneCall },
    { label: "Usage", href: `${base}/usage`, icon: IconChartBar },
    ...(session && session.account.kind !== "enterprise"
      ? [{ label: "Partners", href: `${base}/partners`, icon: IconAffiliate }]
      : []),
  ];
  const isAdmin = session?.user.role === "Admin";
  // The brand of the signed-in user's own account (their partner's, inherited), whichever account is acted in.
  const brand = useQuery({ ...brandQueries.effective(session?.account.id ?? ""), enabled: !!session }).data;

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <BrandMark brand={brand} />
            <AccountSwitcher accountId={accountId} />
          </Group>
          <Group>
            <TeamsMenu accountId={accountId} />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton aria-label="Your profile">
                  <Group gap={4}>
                    <Text size="sm">{session?.user.name}</Text>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{session?.user.email}</Menu.Label>
                <Menu.Item
                  onClick={async () => {
                    await signOut();
                    await navigate({ to: "/sign-in" });
                  }}
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        {nav.map((item) => (
          <NavLink
            key={item.label}
            component={Link}
            to={item.href}
            label={item.label}
            leftSection={<item.icon size={18} />}
            active={pathname.startsWith(item.href)}
          />
        ))}
        <NavLink
          label="Settings"
          leftSection={<IconSettings size={18} />}
          defaultOpened={
            pathname.startsWith(`${base}/settings`) || pathname.startsWith(`${base}/operator-settings`)
          }
        >
          {isAdmin && (
            <NavLink
              component={Link}
              to={`${base}/settings/users`}
              label="User Management"
              leftSection={<IconUsers size={16} />}
              active={pathname.startsWith(`${base}/settings/users`)}
            />
          )}
          {isAdmin && (
            <NavLink
              component={Link}
              to={`${base}/settings/audit`}
              label="Audit log"
              leftSection={<IconHistory size={16} />}
              active={pathname.startsWith(`${base}/settings/audit`)}
            />
          )}
          {isAdmin && (
            <NavLink
              component={Link}
              to={`${base}/settings/api-keys`}
              label="API keys"
              leftSection={<IconKey size={16} />}
              active={pathname.startsWith(`${base}/settings/api-keys`)}
            />
          )}
          {isAdmin && (
            <NavLink
              component={Link}
              to={`${base}/settings/webhooks`}
              label="Webhooks"
              leftSection={<IconWebhook size={16} />}
              active={pathname.startsWith(`${base}/settings/webhooks`)}
            />
          )}
          {isAdmin && session?.account.kind !== "enterprise" && (
            <NavLink
              component={Link}
              to={`${base}/settings/branding`}
              label="Branding"
              leftSection={<IconPalette size={16} />}
              active={pathname.startsWith(`${base}/settings/branding`)}
            />
          )}
          {isAdmin && session?.account.kind === "operator" && accountId === session.account.id && (
            <NavLink
              component={Link}
              to={`${base}/operator-settings`}
              label="Operator settings"
              leftSection={<IconServerCog size={16} />}
              active={pathname.startsWith(`${base}/operator-settings`)}
            />
          )}
          <NavLink
            component={Link}
            to={`${base}/settings/security`}
            label="Security"
            leftSection={<IconShieldLock size={16} />}
            active={pathname.startsWith(`${base}/settings/security`)}
          />
        </NavLink>
      </AppShell.Navbar>
      <AppShell.Main>
        {session?.twoFactorSetupRequired && !pathname.endsWith("/settings/security") && (
          <Navigate to="/a/$accountId/settings/security" params={{ accountId: session.account.id }} />
        )}
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
