// The DNS adapters live in ./dns/; this is their public surface for the setup steps.
export * from "./dns/index.js";
