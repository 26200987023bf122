// The demo's own vault: a fresh copy of demo-vault/ in the system's temporary folder, so running the demo
// never changes the repository (git status stays clean). It is kept, with the built plugin installed in
// it, so the user can open it in Obsidian and look at what the demo did.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PLUGIN_FILES = ["main.js", "manifest.json", "styles.css"] as const;

/** Copies `<repoRoot>/demo-vault` to a new temporary folder and installs the built plugin there; returns the folder. */
export function scratchDemoVault(repoRoot: string): string {
  const vault = mkdtempSync(join(tmpdir(), "perplexity-query-demo-"));
  cpSync(join(repoRoot, "demo-vault"), vault, { recursive: true });
  const pluginDir = join(vault, ".obsidian", "plugins", "perplexity-query");
  mkdirSync(pluginDir, { recursive: true });
  for (const file of PLUGIN_FILES) copyFileSync(join(repoRoot, file), join(pluginDir, file));
  writeFileSync(join(vault, ".obsidian", "community-plugins.json"), `${JSON.stringify(["perplexity-query"])}\n`);
  return vault;
}
