// Checks a release tag against manifest.json, versions.json and package.json before the release workflow
// builds and publishes: Obsidian installs the release whose tag equals manifest.json's version (no "v"), and
// reads versions.json to find a plugin version that works with an older Obsidian.
//   npx tsx scripts/release/check.ts <tag>     (the workflow passes $GITHUB_REF_NAME)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ReleaseFiles {
  manifest: { version?: unknown; minAppVersion?: unknown; id?: unknown };
  versions: Record<string, unknown>;
  packageJson: { version?: unknown };
}

const SEMVER = /^\d+\.\d+\.\d+$/;

/** Every reason `tag` cannot be released from these files; empty when it can. */
export function releaseProblems(tag: string, files: ReleaseFiles): string[] {
  const problems: string[] = [];
  const { version, minAppVersion } = files.manifest;
  if (!SEMVER.test(tag)) problems.push(`tag "${tag}" is not a plain version like 1.2.3 (Obsidian expects the tag to be the version, without "v")`);
  if (version !== tag) problems.push(`manifest.json has version ${JSON.stringify(version)}, but the tag is "${tag}": run npm version ${tag} before tagging`);
  if (files.packageJson.version !== tag) problems.push(`package.json has version ${JSON.stringify(files.packageJson.version)}, but the tag is "${tag}"`);
  if (typeof minAppVersion !== "string" || !SEMVER.test(minAppVersion)) problems.push(`manifest.json's minAppVersion ${JSON.stringify(minAppVersion)} is not a version like 1.11.4`);
  if (!(tag in files.versions)) problems.push(`versions.json has no entry for ${tag}: run npm version ${tag}, which adds it`);
  else if (files.versions[tag] !== minAppVersion) problems.push(`versions.json maps ${tag} to ${JSON.stringify(files.versions[tag])}, but manifest.json's minAppVersion is ${JSON.stringify(minAppVersion)}`);
  return problems;
}

export function readReleaseFiles(root: string): ReleaseFiles {
  const read = (name: string): unknown => {
    const path = join(root, name);
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return { manifest: read("manifest.json") as ReleaseFiles["manifest"], versions: read("versions.json") as ReleaseFiles["versions"], packageJson: read("package.json") as ReleaseFiles["packageJson"] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tag = process.argv[2] ?? process.env.GITHUB_REF_NAME ?? "";
  try {
    const problems = releaseProblems(tag, readReleaseFiles(process.cwd()));
    for (const problem of problems) console.error(`release check: ${problem}`);
    if (problems.length) process.exitCode = 1;
    else console.log(`release check: ${tag} matches manifest.json, versions.json and package.json`);
  } catch (error) {
    console.error(`release check: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
