import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_PROPERTIES, userEntity } from "../src/graph/entities.js";
import type { StartedEmulator } from "../src/index.js";
import { Csdl } from "./csdl.js";
import { appToken, CONTOSO, consentDemoApp, graph, startDemo } from "./helpers.js";

const G = "microsoft.graph";
const TA = "microsoft.graph.teamsAdministration";
let emu: StartedEmulator;
let token: string;
let csdl: Csdl;

beforeAll(async () => {
  csdl = new Csdl(fileURLToPath(new URL("./fixtures/msgraph/v1.0-Prod.csdl", import.meta.url)));
  emu = await startDemo();
  consentDemoApp(emu, CONTOSO.id);
  token = await appToken(emu, CONTOSO.id);
});
afterAll(() => emu?.close());

async function collect(
  path: string,
  init?: { method?: string; body?: unknown },
): Promise<Record<string, unknown>[]> {
  const r = await graph(emu, token, init?.method ?? "GET", path, init?.body);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  if (!r.body) return [];
  return Array.isArray(r.body.value) ? r.body.value : [r.body];
}

function expectValid(items: Record<string, unknown>[], type: string) {
  expect(items.length).toBeGreaterThan(0);
  expect(csdl.hasType(type)).toBe(true);
  const problems = items.flatMap((i) => csdl.validate(i, type));
  expect(problems).toEqual([]);
}

describe("Graph entities conform to the v1.0 CSDL", () => {
  it("the validator itself catches wrong names and types", () => {
    expect(csdl.validate({ id: "x", displayName: 3 }, `${G}.user`)).toHaveLength(1);
    expect(csdl.validate({ id: "x", nope: true }, `${G}.user`)).toHaveLength(1);
    expect(csdl.validate({ id: "x", numberType: "bogus" }, `${TA}.numberAssignment`)).toHaveLength(1);
  });

  it("users (default, every property, after assignLicense)", async () => {
    expectValid(await collect("/users?$top=50"), `${G}.user`);
    expectValid(await collect(`/users?$top=50&$select=${USER_PROPERTIES.join(",")}`), `${G}.user`);
    const tenant = emu.state.requireTenant(CONTOSO.id);
    expectValid(
      [...tenant.users.values()].map((u) => userEntity(tenant, u)),
      `${G}.user`,
    );
    const delta = await collect(
      "/users/delta?$select=id,displayName,assignedLicenses,assignedPlans,accountEnabled",
    );
    expectValid(delta, `${G}.user`);
  });

  it("licenseDetails", async () => {
    const details = await collect("/users/admin@contoso.example/licenseDetails");
    expect(details.map((d) => d.skuPartNumber)).toEqual(["SPE_E5"]);
    expectValid(details, `${G}.licenseDetails`);
  });

  it("subscribedSkus, organization, domains and DNS records", async () => {
    expectValid(await collect("/subscribedSkus"), `${G}.subscribedSku`);
    expectValid(await collect("/organization"), `${G}.organization`);
    await collect("/domains", { method: "POST", body: { id: "cust1.customers.example.net" } });
    expectValid(await collect("/domains"), `${G}.domain`);
    expectValid(
      await collect("/domains/cust1.customers.example.net/verificationDnsRecords"),
      `${G}.domainDnsRecord`,
    );
  });

  it("directoryRole (memberOf, directoryRoles)", async () => {
    const memberOf = await collect("/users/admin@contoso.example/memberOf");
    expect(memberOf.map((r) => r.displayName)).toEqual(["Global Administrator"]);
    expectValid(memberOf, `${G}.directoryObject`);
    expectValid(await collect("/directoryRoles"), `${G}.directoryRole`);
  });

  it("servicePrincipals and unifiedRoleAssignment", async () => {
    // Its own service principal by id (listing needs Application.Read.All, which the demo app lacks).
    const own = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).oid as string;
    const sps = await collect(`/servicePrincipals/${own}`);
    expectValid(sps, `${G}.servicePrincipal`);
    const created = await collect("/roleManagement/directory/roleAssignments", {
      method: "POST",
      body: {
        principalId: sps[0]?.id,
        roleDefinitionId: "69091246-20e8-4a56-aa4d-066075b2a7a8",
        directoryScopeId: "/",
      },
    });
    expectValid(created, `${G}.unifiedRoleAssignment`);
    expectValid(await collect("/roleManagement/directory/roleAssignments"), `${G}.unifiedRoleAssignment`);
  });

  it("Teams administration: numberAssignment, operation, teamsUserConfiguration, policyIdentifierDetail", async () => {
    expectValid(
      await collect("/admin/teams/telephoneNumberManagement/numberAssignments"),
      `${TA}.numberAssignment`,
    );
    const user = [...emu.state.requireTenant(CONTOSO.id).users.values()].find(
      (u) => u.userPrincipalName === "user1@contoso.example",
    );
    const r = await graph(
      emu,
      token,
      "POST",
      "/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber",
      {
        telephoneNumber: "+14255550119",
        assignmentTargetId: user?.id,
        numberType: "directRouting",
      },
    );
    expect(r.status).toBe(202);
    const location = r.headers.get("location") ?? "";
    const opPath = location.slice(location.indexOf("/admin/"));
    expectValid(await collect(opPath), `${TA}.telephoneNumberLongRunningOperation`);
    await new Promise((res) => setTimeout(res, 80));
    expectValid(await collect(opPath), `${TA}.telephoneNumberLongRunningOperation`);
    expectValid(await collect("/admin/teams/userConfigurations?$top=50"), `${TA}.teamsUserConfiguration`);
    expectValid(await collect(`/admin/teams/userConfigurations/${user?.id}`), `${TA}.teamsUserConfiguration`);
    expectValid(
      await collect("/admin/teams/policy/getPolicyId(type='TeamsCallingPolicy',name='AllowCalling')"),
      `${TA}.policyIdentifierDetail`,
    );
  });
});
