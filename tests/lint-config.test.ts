// Obsidian's automated review lints what its scanner reads (everything but `tests`, `scripts`, `*.mjs` and
// `*.test.*`) with eslint-plugin-obsidianmd's plain `recommended` config. Our lint must read the same files
// with the same rules and options, and allow no warnings.
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import obsidianmd from "eslint-plugin-obsidianmd";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

/** The options `recommended` gives a rule (the last config entry that sets it). */
function recommendedRule(name: string): unknown {
  let found: unknown;
  for (const config of obsidianmd.configs.recommended as { rules?: Record<string, unknown> }[]) {
    if (config.rules && name in config.rules) found = config.rules[name];
  }
  return found;
}

describe("lint reads what Obsidian's scanner reads", () => {
  it("skips only what the scanner skips (and, for now, bench/, which moves to scripts/bench)", async () => {
    for (const path of ["tests/integration/ask.test.ts", "scripts/demo.ts", "esbuild.config.mjs", "src/core/block.test.ts"]) {
      expect(await eslint.isPathIgnored(path), path).toBe(true);
    }
    for (const path of ["src/main.ts", "src/core/block.ts", "vitest.config.ts", "package.json"]) {
      expect(await eslint.isPathIgnored(path), path).toBe(false);
    }
  });

  it("uses recommended's rules with their default options, nothing switched off", async () => {
    for (const file of ["src/obsidian/settings/settings-tab.ts", "vitest.config.ts"]) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, unknown> };
      for (const rule of ["obsidianmd/ui/sentence-case", "obsidianmd/no-nodejs-modules", "obsidianmd/settings-tab/prefer-setting-definitions", "obsidianmd/prefer-window-timers"]) {
        const severity = (value: unknown) => (Array.isArray(value) ? value[0] : value);
        const options = (value: unknown) => (Array.isArray(value) ? value.slice(1) : []);
        const ours = config.rules[rule];
        const recommended = recommendedRule(rule);
        expect([0, "off"]).not.toContain(severity(ours));
        // Same options as recommended gives (ESLint fills in the rule's defaults when there are none).
        if (options(recommended).length) expect(options(ours)).toEqual(options(recommended));
        else expect(JSON.stringify(options(ours))).not.toMatch(/brands|acronyms|ignoreWords/);
      }
    }
  });

  it("lets no warning through", () => {
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.lint).toMatch(/--max-warnings[= ]0\b/);
  });
});
