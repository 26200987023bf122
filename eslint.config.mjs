import { defineConfig, globalIgnores } from "eslint/config";
import obsidianmd from "eslint-plugin-obsidianmd";
import globals from "globals";

export default defineConfig([
  globalIgnores(["node_modules/", "main.js", "coverage/", ".tmp/", "demo-vault/", "package-lock.json"]),
  ...obsidianmd.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.mjs", "esbuild.config.mjs", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "obsidianmd/ui/sentence-case": ["warn", { brands: ["Perplexity", "Obsidian"], acronyms: ["API", "URL", "ID", "JSON", "HTTP", "UTC", "ISO"] }],
    },
  },
  {
    // Tests, benchmarks and scripts run in Node, never inside Obsidian.
    files: ["tests/**", "scripts/**", "*.mjs", "vitest.config.ts"],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "obsidianmd/no-nodejs-modules": "off",
      "import/no-nodejs-modules": "off",
      "no-restricted-globals": "off",
      "obsidianmd/prefer-window-timers": "off",
      "obsidianmd/no-global-this": "off",
      "obsidianmd/hardcoded-config-path": "off",
      // Command-line output is what these programs are for.
      "obsidianmd/rule-custom-message": "off",
      // Node-only code; scripts/no-lookbehind.mjs names the SDK's lookbehind in order to remove it.
      "obsidianmd/regex-lookbehind": "off",
      // Tests delete files the way another device or the file manager would.
      "obsidianmd/prefer-file-manager-trash-file": "off",
    },
  },
]);
