import { defineConfig } from "vitest/config";

/** The opt-in suite for a machine with a real Dagger engine and cluster (`npm run test:e2e`). */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
