// `npm run demo` tried as a new user would (issue 22, items 3-6): it says why instead of crashing, runs every
// command it names, keeps out of the repository's own files, and its messages say what happened in its terms.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function demo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const fullEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete fullEnv.PERPLEXITY_API_KEY;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], { env: fullEnv, timeout: 150_000 }, (error, stdout, stderr) => {
      if (error?.killed) reject(new Error(`demo ${args.join(" ")} did not finish within 150 s`));
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the committed demo vault (git show HEAD:…, as demo.test.ts does). */
function committedDemoVault(): string {
  const vault = mkdtempSync(join(tmpdir(), "pq-demo-fresh-"));
  made.push(vault);
  cpSync("demo-vault", vault, { recursive: true, filter: (src) => !src.includes(".obsidian/plugins") });
  for (const path of execFileSync("git", ["ls-tree", "-r", "--name-only", "HEAD", "--", "demo-vault"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
    writeFileSync(join(vault, path.slice("demo-vault/".length)), execFileSync("git", ["show", `HEAD:${path}`]));
  }
  return vault;
}

/** A port of its own for --web, so this file and demo.test.ts never take each other's. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const NOTE = "The AI Model Wars.md";

describe("npm run demo, tried as a new user would", { timeout: 300_000 }, () => {
  it("--web on a port another program holds says so in one line, with no stack trace", async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = await demo(["--vault", committedDemoVault(), "--web"], { PQ_DEMO_WEB_PORT: String(port) });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`demo: --web serves its test pages on 127.0.0.1:${port} (a fixed port, so answers from earlier runs still cite them), but another program is listening there; an earlier npm run demo -- --web may still be running: stop it and run this again\n`);
    } finally {
      holder.close();
    }
  });

  it("runs the commands it names: the source check details, the answers view's rows, the sources dashboard", async () => {
    const vault = committedDemoVault();
    const env = { PQ_DEMO_WEB_PORT: String(await freePort()) };
    expect((await demo(["--vault", vault, "--web", "--now", "2026-12-01T09:00:00Z"], env)).code).toBe(0);

    // Checking without the switch: the plugin's message, with the demo's flag for that setting.
    const off = await demo(["--vault", vault, "--web", "--command", "check-sources-in-note", "--now", "2026-12-01T10:00:00Z"], env);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/^demo: Checking sources fetches every cited page.* In the demo, add --allow-private-hosts \(with --web for the local test pages\)\.\n$/);
    expect(off.stdout).toContain("no key, no cost, no network.");

    const vaultCheck = await demo(["--vault", vault, "--web", "--allow-private-hosts", "--command", "check-sources-in-vault", "--now", "2026-12-01T10:00:00Z"], env);
    expect(vaultCheck.code).toBe(1);
    expect(vaultCheck.stdout).toContain("No question is sent and nothing is paid.");
    expect(vaultCheck.stderr).toBe("demo: check-sources-in-vault asks before it fetches the cited pages (its dialog is above); run it again with --yes to confirm\n");
    // Fetching pages is not "no network".
    expect(vaultCheck.stdout).toContain("this run may fetch the pages answers cite (--allow-private-hosts)");
    expect(vaultCheck.stdout).not.toContain("no network");

    expect((await demo(["--vault", vault, "--web", "--allow-private-hosts", "--command", "check-sources-in-note", "--now", "2026-12-01T10:00:00Z"], env)).code).toBe(0);
    const details = await demo(["--vault", vault, "--command", "show-source-check-at-cursor"]);
    expect(details.stderr).toBe("");
    expect(details.code).toBe(0);
    expect(details.stdout).toContain("Dialog: Not found on the page: 12%");

    const view = await demo(["--vault", vault, "--command", "open-answers-view", "--now", "2026-12-02"]);
    expect(view.stderr).toBe("");
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("View: 1 of 1 answers");
    expect(view.stdout).toMatch(/View: Who are the major "Layer 1" AI model creators.*\(The AI Model Wars · \d+ [hd] · fast · openai\/gpt-6-luna · \$0\.\d{4} · 15 cited of 15 sources · Sources checked 2026-12-01: 3 supported/);

    const dashboard = await demo(["--vault", vault, "--command", "create-sources-dashboard"]);
    expect(dashboard.stderr).toBe("");
    expect(dashboard.code).toBe(0);
    expect(dashboard.stdout).toContain("Sources/Sources dashboard.base");
    expect(readFileSync(join(vault, "Sources", "Sources dashboard.base"), "utf8")).toMatch(/file\.inFolder\(.*Sources/);
    const again = await demo(["--vault", vault, "--command", "create-sources-dashboard"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already exists, so it was left as it is");
  });

  it("refuses a vault folder the repository tracks unless --in-place is given", async () => {
    const status = () => execFileSync("git", ["status", "--porcelain", "--", "demo-vault"], { encoding: "utf8" });
    const before = status();
    const refused = await demo(["--vault", "demo-vault"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("demo: demo-vault holds files this repository tracks, so the run would write into the repository; leave out --vault to use a scratch copy of demo-vault/, or add --in-place to use demo-vault anyway\n");
    expect(status()).toBe(before);
    // --in-place lets it through (a command that writes nothing, so the repository stays as it is).
    const allowed = await demo(["--vault", "demo-vault", "--in-place", "--command", "open-answers-view"]);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    expect(status()).toBe(before);
  });

  it("says what is missing in the terms of the command run", async () => {
    const vault = committedDemoVault();
    const thread = await demo(["--vault", vault, "--command", "refresh-thread"]);
    expect(thread.stderr).toBe(`demo: ${join(vault, NOTE)} has no answer block whose thread to refresh; ask a question first\n`);
    writeFileSync(join(vault, "Sources.md"), "# Not the demo note\n");
    const note = await demo(["--vault", vault, "--note", "Sources.md"]);
    expect(note.stderr).toBe(`demo: ${join(vault, "Sources.md")} does not contain the demo's question, which ask-selection asks when --select is left out; give the text to ask with --select TEXT\n`);
  });

  it("a batch run again on answered questions has nothing to do and exits 0", async () => {
    const vault = mkdtempSync(join(tmpdir(), "pq-demo-fresh-"));
    made.push(vault);
    writeFileSync(join(vault, "Solar.md"), "# Solar\n\n- What is the price of solar panels?\n- Who makes the most panels?\n");
    const args = ["--vault", vault, "--note", "Solar.md", "--select=- Who makes the most panels?", "--command", "ask-questions-in-selection", "--yes"];
    expect((await demo(args)).code).toBe(0);
    expect(parseBlocks(readFileSync(join(vault, "Solar.md"), "utf8"))).toHaveLength(1);
    const again = await demo(args);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Dialog: Every question in the selection already has its answer after its list or paragraph: nothing to ask.");
    expect(existsSync(join(vault, "Solar.md"))).toBe(true);
  });
});
