// `npm version <patch|minor|major|x.y.z>` runs this (package.json's "version" script) after it changed
// package.json: it writes the same version into manifest.json and records it in versions.json with the
// current minAppVersion, as Obsidian's sample plugin does, so a release tag always matches all three.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export function bumpVersion(root: string, version: string): void {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`"${version}" is not a plain version like 1.2.3`);
  const manifestPath = join(root, "manifest.json");
  const versionsPath = join(root, "versions.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { version: string; minAppVersion: string };
  manifest.version = version;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const versions = JSON.parse(readFileSync(versionsPath, "utf8")) as Record<string, string>;
  versions[version] = manifest.minAppVersion;
  writeFileSync(versionsPath, `${JSON.stringify(versions, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const version = process.env.npm_package_version;
  if (!version) {
    console.error("version-bump: run it through npm version, which sets npm_package_version");
    process.exitCode = 1;
  } else {
    bumpVersion(process.cwd(), version);
    console.log(`manifest.json and versions.json now at ${version}`);
  }
}
