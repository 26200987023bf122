// Reads a vault folder into memory and writes changed files back, for the headless runner.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** Every Markdown note and base of the vault (the config folder is left out), by vault path. */
export function readVaultFolder(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".md") || entry.name.endsWith(".base")) files[relative(root, full).split(sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return files;
}

/** Writes the files whose text differs from `before`; returns their paths. */
export function writeChangedFiles(root: string, before: Record<string, string>, after: Record<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, text] of Object.entries(after)) {
    if (before[path] === text) continue;
    const full = join(root, ...path.split("/"));
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    changed.push(path);
  }
  return changed.sort();
}
