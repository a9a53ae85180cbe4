import { defineConfig } from "vitest/config";

/** Browser tests: the real built portal in a child process, driven through Debian's Chromium. */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["**/*.e2e.ts"],
    globalSetup: ["./support/global-setup.ts"],
    // Tests wait for states; this is only the safety net, sized for a machine whose cores are busy (a guide's
    // onboarding step took 140 s there, beside other suites).
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
