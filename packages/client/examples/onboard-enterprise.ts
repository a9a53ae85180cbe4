/**
 * Onboards an enterprise and adds a Teams user through the sip2teams API, with a partner's Admin API key:
 *
 *   1. Add Enterprise (company, first Admin, regions), then its trunk profile and Teams profile;
 *   2. Connect Microsoft 365: the customer's Global Admin grants admin consent at the authorization URL, and
 *      the portal runs the Direct Routing setup (this script waits for it to complete);
 *   3. Sync Teams Users, then Add User (Teams user ↔ SIP user, phone number, SIP device), and wait until the
 *      user is provisioned.
 *
 * Environment: SIP2TEAMS_URL (the portal), SIP2TEAMS_API_KEY (an Admin key of the partner),
 * SIP2TEAMS_ACCOUNT_ID (the partner's account id, as in the portal's address /a/{accountId}/…), and
 * optionally COMPANY_NAME, TEAMS_USER (the user's UPN in the customer's tenant), SIP_USER, PHONE_NUMBER.
 * Against the Microsoft 365 emulator, EMULATOR_ADMIN and EMULATOR_PASSWORD let the script play the Global
 * Admin's consent itself; against Microsoft it prints the URL to send to the customer and waits.
 *
 * Run: node examples/onboard-enterprise.ts (Node 22.18 or newer runs TypeScript directly; with a built
 * client, or `node --conditions=source …` inside this repository).
 */
import { createSip2teamsClient, listAll, unwrap } from "@sip2teams/client";
import { consentInEmulator } from "./emulator-consent.ts";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`Set ${name}.`);
  return value;
};
const portalUrl = env("SIP2TEAMS_URL").replace(/\/+$/, "");
const partnerId = env("SIP2TEAMS_ACCOUNT_ID");
const companyName = env("COMPANY_NAME", "Contoso");
const teamsUser = env("TEAMS_USER", "user1@contoso.example");
const sipUser = env("SIP_USER", "2001");
const phoneNumber = env("PHONE_NUMBER", "+14255552001");

/** The company as a DNS label: the trunk's label becomes part of its FQDN. */
const slug = companyName
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, "-")
  .replace(/^-+|-+$/g, "")
  .slice(0, 40);

const client = createSip2teamsClient({ baseUrl: portalUrl, apiKey: env("SIP2TEAMS_API_KEY") });

/** Asks `read` every second until it returns a value (not undefined); gives up after `minutes`. */
async function waitFor<T>(what: string, read: () => Promise<T | undefined>, minutes = 10): Promise<T> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// 1. The enterprise, offered every SBC region of the operator (the list is paged: listAll follows it).
const regions = await listAll((cursor) =>
  client.GET("/api/accounts/{accountId}/sbc-regions", {
    params: { path: { accountId: partnerId }, query: { cursor, limit: 200 } },
  }),
);
const regionIds = regions.map((region) => region.id);
const enterprise = await unwrap(
  client.POST("/api/accounts/{accountId}/enterprises", {
    params: { path: { accountId: partnerId } },
    body: {
      companyName,
      adminName: "Casey Customer",
      adminEmail: `admin@${slug}.example`,
      regionIds,
      services: ["teams-direct-routing"],
      userLimit: 100,
      billingReference: null,
    },
  }),
);
const enterpriseId = enterprise.id;
const path = { accountId: enterpriseId };
console.log(`Enterprise ${enterprise.name}: ${enterpriseId}`);

await unwrap(
  client.PUT("/api/accounts/{accountId}/trunk-profile", {
    params: { path },
    body: {
      label: slug,
      pbxHost: "pbx.customer.example",
      pbxPort: 5060,
      transport: "UDP",
      sipDomain: "customer.example",
      outboundProxy: null,
      mode: "registration",
      allowedIps: [],
      maxConcurrentCalls: 20,
      codecs: ["PCMA", "PCMU"],
    },
  }),
);
await unwrap(
  client.PUT("/api/accounts/{accountId}/teams-profile", {
    params: { path },
    body: {
      pbxLocations: [{ name: "Head office", pbx: "pbx.customer.example" }],
      regionIds,
      defaultRegionId: regionIds[0]!,
      pstnUsage: "s2t-head-office",
      dialPlanName: "s2t-head-office",
      normalizationRules: [
        { name: "Ext4", pattern: "^(\\d{4})$", translation: "+14255550$1", isInternalExtension: true },
      ],
    },
  }),
);
console.log("Trunk profile and Teams profile saved.");

// 2. Admin consent, then the Direct Routing setup the portal starts by itself.
const { authorizeUrl } = await unwrap(
  client.POST("/api/accounts/{accountId}/microsoft/connect", { params: { path } }),
);
if (process.env.EMULATOR_ADMIN) {
  await consentInEmulator(authorizeUrl, portalUrl, {
    login: process.env.EMULATOR_ADMIN,
    password: env("EMULATOR_PASSWORD"),
  });
} else {
  console.log(`Send this link to the customer's Global Administrator:\n${authorizeUrl}`);
}
await waitFor("the Direct Routing setup", async () => {
  const setup = await unwrap(
    client.GET("/api/accounts/{accountId}/direct-routing-setup", { params: { path } }),
  );
  if (setup.status === "failed") throw new Error(`Direct Routing setup failed: ${JSON.stringify(setup)}`);
  return setup.status === "completed" ? setup : undefined;
});
console.log("Microsoft 365 connected; Direct Routing setup completed.");

// 3. Sync Teams Users, then Add User.
await unwrap(client.POST("/api/accounts/{accountId}/teams-users/sync", { params: { path } }));
const target = await waitFor(`${teamsUser} among the synced Teams users`, async () => {
  const found = await unwrap(
    client.GET("/api/accounts/{accountId}/teams-users/eligible", {
      params: { path, query: { q: teamsUser } },
    }),
  );
  return found.find((user) => user.userPrincipalName.toLowerCase() === teamsUser.toLowerCase());
});
const options = await unwrap(
  client.GET("/api/accounts/{accountId}/teams-users/form-options", { params: { path } }),
);
const added = await unwrap(
  client.POST("/api/accounts/{accountId}/teams-users", {
    params: { path },
    body: {
      teamsUserObjectId: target.objectId,
      pbxLocation: options.pbxLocations[0]!,
      regionId: options.defaultVoiceRouteId ?? options.voiceRoutes[0]!.id,
      sipUser,
      phoneNumber,
      disableVoicemail: true,
      assignDialPlan: true,
      devices: [{ authId: `dev${sipUser}`, password: "Zx8Kq2Lm" }],
    },
  }),
);
const user = await waitFor(`${teamsUser} provisioned`, async () => {
  const current = await unwrap(
    client.GET("/api/accounts/{accountId}/teams-users/{userId}", {
      params: { path: { ...path, userId: added.id } },
    }),
  );
  if (current.status === "failed") throw new Error(`Provisioning failed: ${JSON.stringify(current.steps)}`);
  return current.status === "done" ? current : undefined;
});
console.log(`User ${user.userPrincipalName} provisioned: ${user.phoneNumber}, SIP user ${user.sipUser}.`);
