import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime keeps global state per process: one test file per worker, no shared isolates.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
