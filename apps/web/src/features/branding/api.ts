import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type EffectiveBrand = components["schemas"]["EffectiveBrand"];
export type OwnBrand = components["schemas"]["OwnBrand"];
export type BrandInput = Omit<OwnBrand, "logoUrl"> & {
  logo?: { contentType: "image/png" | "image/svg+xml"; dataBase64: string } | null;
};

export const brandKeys = {
  all: ["brand"] as const,
  /** The sign-in page's brand: the one of the host name the portal was reached on. */
  public: () => ["brand", "public"] as const,
  effective: (accountId: string) => ["brand", accountId, "effective"] as const,
  settings: (accountId: string) => ["brand", accountId, "settings"] as const,
};

export const brandQueries = {
  public: () =>
    queryOptions({
      queryKey: brandKeys.public(),
      queryFn: () => unwrap(api.GET("/api/brand", { params: { query: {} } })),
      staleTime: 5 * 60_000,
    }),
  /** The brand the portal shows a user of `accountId` (every role). */
  effective: (accountId: string) =>
    queryOptions({
      queryKey: brandKeys.effective(accountId),
      queryFn: () =>
        unwrap(api.GET("/api/accounts/{accountId}/brand/effective", { params: { path: { accountId } } })),
      staleTime: 5 * 60_000,
    }),
  /** Settings › Branding (Admins): the effective brand and the account's own fields. */
  settings: (accountId: string) =>
    queryOptions({
      queryKey: brandKeys.settings(accountId),
      queryFn: () => unwrap(api.GET("/api/accounts/{accountId}/brand", { params: { path: { accountId } } })),
    }),
};

export function saveBrand(accountId: string, body: BrandInput) {
  return unwrap(api.PUT("/api/accounts/{accountId}/brand", { params: { path: { accountId } }, body }));
}
