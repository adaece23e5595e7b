import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts"],
    exclude: ["test/e2e/**", "node_modules/**"],
    // The JSON report is what CI's closing "N passed, N failed" line is made from.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests share one Redis but never each other's keys (prefix per file).
    fileParallelism: true,
  },
});
