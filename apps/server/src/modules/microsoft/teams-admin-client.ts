import type { MicrosoftAppSettings } from "../operator-settings/service.js";
import { type ApiClientOptions, createApiClient } from "./api-client.js";
import type { TokenProvider } from "./tokens.js";

export type ConfigurationType =
  | "OnlinePstnUsages"
  | "OnlineVoiceRoute"
  | "OnlineVoiceRoutingPolicy"
  | "TenantDialPlan";

export interface ConfigurationObject {
  Identity: string;
  [key: string]: unknown;
}

const q = encodeURIComponent;

/** The Teams admin ("ConfigAPI") surface: /Skype.Policy/configurations/{Type}. App-only, Teams Administrator role. */
export function teamsAdminClient(
  settings: MicrosoftAppSettings,
  tokens: TokenProvider,
  tenantId: string,
  options: Partial<ApiClientOptions> = {},
) {
  const api = createApiClient({
    baseUrl: settings.teamsAdminUrl,
    tenantId,
    audience: "teams-admin",
    tokens,
    extraHeaders: { "x-authz-scope": "tenant", "x-ms-correlation-id": crypto.randomUUID() },
    ...options,
  });
  return {
    api,
    async list(type: ConfigurationType): Promise<ConfigurationObject[]> {
      const { body } = await api.get<ConfigurationObject[] | { value: ConfigurationObject[] }>(
        `/Skype.Policy/configurations/${type}`,
      );
      return Array.isArray(body) ? body : (body?.value ?? []);
    },
    async create(type: ConfigurationType, object: ConfigurationObject): Promise<void> {
      await api.post(`/Skype.Policy/configurations/${type}`, object);
    },
    async update(type: ConfigurationType, identity: string, changes: Record<string, unknown>): Promise<void> {
      await api.put(`/Skype.Policy/configurations/${type}/configuration/${q(identity)}`, changes);
    },
    async remove(type: ConfigurationType, identity: string): Promise<void> {
      await api.delete(`/Skype.Policy/configurations/${type}/configuration/${q(identity)}`, [404]);
    },
  };
}

export type TeamsAdminClient = ReturnType<typeof teamsAdminClient>;
