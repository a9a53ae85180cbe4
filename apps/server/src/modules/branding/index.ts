/** The public surface of branding: per-account brands (inherited down the tree), custom host names, routes. */
export { brandRepository } from "./repository.js";
export { brandingRoutes } from "./routes.js";
export { type BrandingService, brandingService, type EffectiveBrand, mergeBrands } from "./service.js";
