// Copies the built plugin into a vault: npm run install-plugin -- <vault>
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const vault = process.argv[2];
if (!vault) {
  console.error("Usage: npm run install-plugin -- <path to your vault>");
  process.exit(1);
}
if (!existsSync(join(vault, ".obsidian"))) {
  console.error(`${vault} is not an Obsidian vault (it has no .obsidian folder). Open it in Obsidian once, then try again.`);
  process.exit(1);
}
const target = join(vault, ".obsidian", "plugins", "perplexity-query");
mkdirSync(target, { recursive: true });
for (const file of ["main.js", "manifest.json", "styles.css"]) copyFileSync(file, join(target, file));
console.log(`Installed into ${target}. In Obsidian: Settings → Community plugins → enable "Perplexity Query".`);
