import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    setupFiles: ["obsidian-test-mocks/vitest-setup"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
