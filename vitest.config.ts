import { defineConfig } from "vitest/config";

// Two projects: pure code and the client run in plain Node; code that touches the
// `obsidian` module runs in happy-dom with obsidian-test-mocks standing in for Obsidian.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          environment: "node",
          include: ["tests/*.test.ts", "tests/core/**/*.test.ts", "tests/perplexity/**/*.test.ts", "tests/emulator/**/*.test.ts", "tests/styles/**/*.test.ts", "tests/scripts/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "obsidian",
          environment: "happy-dom",
          // Glue code imported directly (tests/obsidian) gets the mocks as its `obsidian` module, as main.js does
          // through the runtime.
          alias: { obsidian: "obsidian-test-mocks/obsidian" },
          include: ["tests/obsidian/**/*.test.ts", "tests/integration/**/*.test.ts"],
          setupFiles: ["obsidian-test-mocks/vitest-setup"],
          globalSetup: ["tests/integration/build-plugin.ts"],
        },
      },
    ],
  },
});
