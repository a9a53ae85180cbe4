// The emulator scenario the Graph paging and sync benchmarks share: the demo app, allowed to read users,
// consented in one tenant of `users` generated users with Teams Phone licences.
export function bigTenantScenario({ name, tenantId, users, app }) {
  return {
    name,
    apps: [
      {
        clientId: app.clientId,
        displayName: app.displayName,
        publisher: app.publisher,
        secrets: [app.clientSecret],
        applicationPermissions: ["User.Read.All"],
      },
    ],
    tenants: [
      {
        id: tenantId,
        name: "big",
        domains: ["big.example"],
        skus: [
          { skuPartNumber: "MCOEV", units: 1 },
          { skuPartNumber: "SPE_E5", units: 1 },
          { skuPartNumber: "PHONESYSTEM_VIRTUALUSER", units: 1 },
        ],
        generateUsers: { count: users, seed: 42 },
        consents: [{ clientId: app.clientId }],
      },
    ],
  };
}
