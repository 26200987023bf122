// Releases: the checks the release workflow runs on a tag, `npm version` keeping manifest.json and
// versions.json in step (tag without "v", as Obsidian expects), and the workflows calling them.
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readReleaseFiles, releaseProblems, type ReleaseFiles } from "../../scripts/release/check";

const run = promisify(execFile);
const repo = resolve(".");
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const files = (over: Partial<ReleaseFiles> = {}): ReleaseFiles => ({
  manifest: { id: "perplexity-query", version: "1.2.3", minAppVersion: "1.11.4" },
  versions: { "1.2.2": "1.11.4", "1.2.3": "1.11.4" },
  packageJson: { version: "1.2.3" },
  ...over,
});

describe("releaseProblems", () => {
  it("accepts a tag equal to every version, with versions.json naming minAppVersion", () => {
    expect(releaseProblems("1.2.3", files())).toEqual([]);
  });

  it.each([
    ["v1.2.3", files(), ['tag "v1.2.3" is not a plain version', 'but the tag is "v1.2.3"']],
    ["1.2.4", files(), ['manifest.json has version "1.2.3", but the tag is "1.2.4"', "versions.json has no entry for 1.2.4"]],
    ["1.2.3", files({ packageJson: { version: "1.2.2" } }), ['package.json has version "1.2.2", but the tag is "1.2.3"']],
    ["1.2.3", files({ versions: { "1.2.3": "1.10.0" } }), ['versions.json maps 1.2.3 to "1.10.0", but manifest.json\'s minAppVersion is "1.11.4"']],
    ["1.2.3", files({ manifest: { version: "1.2.3", minAppVersion: "latest" }, versions: { "1.2.3": "latest" } }), ["minAppVersion \"latest\" is not a version"]],
  ])("tag %s: says what is wrong", (tag, given, expected) => {
    const problems = releaseProblems(tag, given).join("\n");
    for (const part of expected) expect(problems).toContain(part);
  });

  it("this repository's files are consistent for its current version", () => {
    const current = readReleaseFiles(repo);
    expect(releaseProblems(String(current.manifest.version), current)).toEqual([]);
  });

  it("the command exits 1 with one line per problem, and 0 for the right tag", async () => {
    const wrong = await run(process.execPath, ["--import", "tsx", "scripts/release/check.ts", "v9.9.9"]).catch((e: unknown) => e as { code: number; stderr: string });
    expect(wrong).toMatchObject({ code: 1 });
    expect((wrong as { stderr: string }).stderr).toMatch(/^release check: tag "v9.9.9" is not a plain version/m);
    const version = String(readReleaseFiles(repo).manifest.version);
    const right = await run(process.execPath, ["--import", "tsx", "scripts/release/check.ts", version]);
    expect(right.stdout).toContain(`release check: ${version} matches`);
  });
});

describe("npm version", () => {
  it("bumps manifest.json and versions.json in the same commit and tags without a v", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pq-version-"));
    made.push(dir);
    for (const name of ["package.json", "manifest.json", "versions.json", ".npmrc"]) copyFileSync(join(repo, name), join(dir, name));
    mkdirSync(join(dir, "scripts", "release"), { recursive: true });
    copyFileSync(join(repo, "scripts/release/version-bump.ts"), join(dir, "scripts/release/version-bump.ts"));
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
    git("init", "--quiet");
    writeFileSync(join(dir, ".git", "info", "exclude"), "/node_modules\n");
    git("add", "-A");
    git("commit", "--quiet", "-m", "start");
    const before = readReleaseFiles(dir);
    const minApp = before.manifest.minAppVersion;

    await run("npm", ["version", "minor"], { cwd: dir, env });

    const after = readReleaseFiles(dir);
    const version = String(after.packageJson.version);
    expect(version).not.toBe(before.packageJson.version);
    expect(after.manifest.version).toBe(version);
    expect(after.versions[version]).toBe(minApp);
    for (const [old, app] of Object.entries(before.versions)) expect(after.versions[old]).toBe(app);
    expect(git("tag", "--list").trim()).toBe(version);
    expect(git("show", "--name-only", "--format=", "HEAD").trim().split("\n").sort()).toEqual(["manifest.json", "package.json", "versions.json"]);
    expect(git("status", "--porcelain")).toBe("");
    expect(releaseProblems(version, after)).toEqual([]);
  });
});

describe("workflows", () => {
  const workflow = (name: string) => readFileSync(join(repo, ".github", "workflows", name), "utf8");

  it("CI runs .ci/run on push and pull request", () => {
    const ci = workflow("ci.yml");
    expect(ci).toMatch(/^on:\n {2}push:\n {2}pull_request:/m);
    expect(ci).toMatch(/- run: bash \.ci\/run$/m);
  });

  it("a release checks the tag, tests, attests and publishes the three files (not a draft)", () => {
    const release = workflow("release.yml");
    expect(release).toMatch(/tags:\n\s+- "\*"/);
    expect(release).toContain('npx tsx scripts/release/check.ts "$GITHUB_REF_NAME"');
    expect(release).toContain("run: npm test");
    expect(release).toContain("uses: actions/attest@v4");
    expect(release).toMatch(/subject-path: \|\n\s+main\.js\n\s+manifest\.json\n\s+styles\.css/);
    expect(release).toMatch(/id-token: write/);
    expect(release).toMatch(/attestations: write/);
    expect(release).toMatch(/gh release create "\$GITHUB_REF_NAME"[^\n]*\\\n\s+main\.js manifest\.json styles\.css/);
    expect(release).not.toContain("--draft");
    // The steps run in this order: check before build, attest before publish.
    const order = ["scripts/release/check.ts", "npm test", "actions/attest@", "gh release create"].map((s) => release.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  // Node 20 reached its end of life in April 2026 and GitHub's runners force Node 20 actions onto Node 24. On
  // 2026-12-06 Node 26 is the Active LTS line (since 2026-10-28; nodejs/Release's schedule) and the current
  // majors are actions/checkout v7, actions/setup-node v7 (both node24 actions) and actions/attest v4.
  it.each(["ci.yml", "release.yml"])("%s builds on the current Node LTS with the current action majors", (name) => {
    const text = workflow(name);
    expect(text).toMatch(/node-version: "26\.x"/);
    const uses = [...text.matchAll(/uses: (actions\/[a-z-]+)@v(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(uses.length).toBeGreaterThanOrEqual(2);
    const current: Record<string, number> = { "actions/checkout": 7, "actions/setup-node": 7, "actions/attest": 4 };
    for (const [action, major] of uses) expect(`${action}@v${major}`).toBe(`${action}@v${current[action!]}`);
  });

  it("engines admits the Node the workflows use", () => {
    const engines = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=\d+\.\d+\.\d+$/);
    expect(Number(/^>=(\d+)/.exec(engines)![1])).toBeLessThanOrEqual(26);
  });
});
