import { defineConfig, globalIgnores } from "eslint/config";
import obsidianmd from "eslint-plugin-obsidianmd";
import globals from "globals";

// Lints exactly what Obsidian's community-plugin scanner reads, with the plain `recommended` config and
// its default options. The scanner skips only `tests`, `scripts`, `*.mjs` and `*.test.*` (directory FAQ);
// everything else in the repository is read, so it must pass here with zero errors and zero warnings.
export default defineConfig([
  // Never part of the repository the scanner reads: build output and installed packages.
  globalIgnores(["node_modules/", "main.js", "coverage/", ".tmp/", ".bench/", "package-lock.json"]),
  // What the scanner itself skips.
  globalIgnores(["tests/", "scripts/", "**/*.mjs", "**/*.test.*"]),
  ...obsidianmd.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
]);
