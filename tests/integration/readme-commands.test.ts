// The README's two commands, in the README's order, in a fresh clone of this commit: the demo must not
// change the clone (git status stays clean), so the test that reads the demo vault still passes after it.
// To stay fast, `npm ci` is replaced by hard links to this checkout's node_modules, and `npm test` by the test
// the demo used to break (tests/integration/demo.test.ts, its first case); the clone is of HEAD, so commit
// before running this test locally.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(".");
const clone = mkdtempSync(join(tmpdir(), "pq-fresh-clone-"));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

/** The commands of the README's "Try it without a key" code block, comments removed. */
function readmeCommands(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Try it without a key"));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter(Boolean);
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  // A clean environment for the child: no key (the demo must not need one) and no vitest worker state.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && name !== "PERPLEXITY_API_KEY" && name !== "NODE_OPTIONS"));
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

const gitStatus = () => execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: clone, encoding: "utf8" });

describe("the README's two commands on a fresh clone", { timeout: 180_000 }, () => {
  it("are `npm ci && npm run demo` then `npm ci && npm test`", () => {
    expect(readmeCommands()).toEqual(["npm ci && npm run demo", "npm ci && npm test"]);
  });

  it("pass in order, with the demo run twice, and leave git status clean", async () => {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "--quiet", repo, clone]);
    execFileSync("git", ["checkout", "--quiet", "--detach", head], { cwd: clone });
    // Instead of `npm ci`: the same installed packages, hard-linked (a symlink would put them outside the
    // clone, where vitest does not load setup files from). A copy where hard links are not possible.
    try {
      execFileSync("cp", ["-al", join(repo, "node_modules"), join(clone, "node_modules")]);
    } catch {
      cpSync(join(repo, "node_modules"), join(clone, "node_modules"), { recursive: true, verbatimSymlinks: true });
    }
    expect(gitStatus()).toBe("");

    // The demo twice (each run must leave the clone as it was), then the test it used to break.
    for (let round = 1; round <= 2; round++) {
      const demo = await run("npm", ["run", "demo"], clone);
      expect(demo.code, demo.output).toBe(0);
      expect(demo.output).toContain("a scratch copy of demo-vault/");
      const scratch = /^Vault: (.+?) \(a scratch copy/m.exec(demo.output)?.[1];
      if (scratch) rmSync(scratch, { recursive: true, force: true }); // kept for users; not for this test
      expect(gitStatus()).toBe("");
    }
    const test = await run("npx", ["vitest", "run", "tests/integration/demo.test.ts", "-t", "scratch copy"], clone);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/1 passed/);
    expect(gitStatus()).toBe("");
  });
});
