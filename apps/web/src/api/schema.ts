// The API's types, generated once from apps/server/openapi.json into packages/client (`npm run generate -w
// packages/client`): the web app and the published client share them.
export type { components, operations, paths } from "@sip2teams/client/schema";
