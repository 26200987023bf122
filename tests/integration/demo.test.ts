// `npm run demo` as a newcomer runs it: no key, no network, the real commands, on a copy of the demo vault.
// The vaults these tests use come from the committed demo-vault/ (git show HEAD:…), never from the working
// copy, so an earlier demo run or an edit there cannot change what they see.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";

const NOTE = "The AI Model Wars.md";
const MARKETS_NOTE = "Markets/Pricing questions.md";
const TABLE_NOTE = "Research/Vendor comparison.md";

/** data.json, as much of it as these tests read. */
interface Settings {
  baseUrl?: string;
  profiles?: { name: string; folders: string[] }[];
  monthlyCapUsd?: number | null;
  spend: { months: Record<string, { usd: number; answers: number; unknown: number } | undefined> };
}
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder holding demo-vault/ as committed at HEAD. */
function committedDemoVault(): string {
  const vault = mkdtempSync(join(tmpdir(), "pq-demo-test-"));
  made.push(vault);
  const paths = execFileSync("git", ["ls-tree", "-r", "--name-only", "HEAD", "--", "demo-vault"], { encoding: "utf8" }).split("\n").filter(Boolean);
  expect(paths).toContain(`demo-vault/${NOTE}`);
  for (const path of paths) {
    const target = join(vault, path.slice("demo-vault/".length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, execFileSync("git", ["show", `HEAD:${path}`]));
  }
  return vault;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function demo(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 150_000): Promise<Run> {
  const fullEnv = { ...process.env, ...env };
  if (!("PERPLEXITY_API_KEY" in env)) delete fullEnv.PERPLEXITY_API_KEY;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], { env: fullEnv, timeout: timeoutMs }, (error, stdout, stderr) => {
      // A run killed by the timeout has no exit code: say so rather than pass it off as exit 1.
      if (error?.killed) reject(new Error(`demo ${args.join(" ")} did not finish within ${timeoutMs / 1000} s`));
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the committed demo vault after one ask at 2026-11-24T16:43:12.385Z, made once. */
let asked: string | undefined;
async function askedVault(): Promise<string> {
  if (!asked) {
    asked = committedDemoVault();
    const run = await demo(["--vault", asked, "--now", "2026-11-24T16:43:12.385Z"]);
    expect(run.code).toBe(0);
  }
  const copy = mkdtempSync(join(tmpdir(), "pq-demo-test-"));
  made.push(copy);
  cpSync(asked, copy, { recursive: true });
  return copy;
}

const occurrences = (text: string, part: string): number => text.split(part).length - 1;
const blocksIn = (vault: string) => parseBlocks(readFileSync(join(vault, NOTE), "utf8"));

// Each test starts Node a few times; on a busy 2-core machine one start can take many seconds.
describe("npm run demo", { timeout: 300_000 }, () => {
  it("--detach stops once the deep question's background run has started; --command resume-pending lands it later (issue 21)", async () => {
    const vault = committedDemoVault();
    const detached = await demo(["--vault", vault, "--detach"]);
    expect(detached.code).toBe(0);
    expect(detached.stdout).toContain("Detached: the runner stopped as Obsidian closing would");
    expect(detached.stdout).toContain(`--vault "${vault}" --command resume-pending`);
    const pending = blocksIn(vault).at(-1)!.block;
    expect(pending).toMatchObject({ state: "pending", request: { preset: "high" } });
    expect(pending.responseId).toMatch(/^resp_/);
    // --detach's preset is for that run only: the vault's settings keep their own.
    const dataPath = join(vault, ".obsidian/plugins/perplexity-query/data.json");
    if (existsSync(dataPath)) expect((JSON.parse(readFileSync(dataPath, "utf8")) as { preset?: string }).preset).not.toBe("high");
    // The emulator's deep runs take 3 s; another runner, as Obsidian opening again on the same device.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const resumed = await demo(["--vault", vault, "--command", "resume-pending"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Notice: Perplexity answered "Who are the major');
    expect(blocksIn(vault).at(-1)!.block).toMatchObject({ state: "answered", responseId: pending.responseId, request: { preset: "high" } });
    const nothing = await demo(["--vault", vault, "--command", "resume-pending"]);
    expect(nothing.stdout).toContain("No background run of this device is pending in this vault.");
  });

  it("asks the demo question on a scratch copy of demo-vault/, prints its path and leaves demo-vault/ alone", async () => {
    const status = () => execFileSync("git", ["status", "--porcelain", "--", "demo-vault"], { encoding: "utf8" });
    const statusBefore = status();
    const run = await demo(["--now", "2026-11-24T16:43:12.385Z"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const scratch = /^Vault: (.+?) \(a scratch copy/m.exec(run.stdout)?.[1];
    expect(scratch).toBeDefined();
    made.push(scratch!);
    expect(status()).toBe(statusBefore);
    expect(run.stdout).toContain("Perplexity Query (2026-11-24T16:43:12.385Z)");
    const blocks = blocksIn(scratch!);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.block.state).toBe("answered");
    expect(blocks[0]!.block.question).toContain('"Layer 1" AI model creators');
    // One note per cited source; sources found but not cited are listed without a note.
    const cited = blocks[0]!.block.sources.filter((s) => s.cited);
    expect(cited.length).toBeGreaterThan(0);
    const sources = readdirSync(join(scratch!, "Sources")).sort();
    expect(sources).toEqual(cited.map((s) => `${s.id}.md`).sort());
    for (const name of sources) expect(run.stdout).toContain(`Sources/${name}`);
    // The documented example block (docs/asking.md, linked from the README's picture) is this run's block (its
    // random IDs aside), so the documentation cannot drift.
    const readmeBlock = /## What an answer looks like[\s\S]*?```markdown\n([\s\S]*?)\n```/.exec(readFileSync("docs/asking.md", "utf8"))?.[1];
    expect(readmeBlock).toBeDefined();
    const note = readFileSync(join(scratch!, NOTE), "utf8");
    const sameIds = (text: string) => text.replace(/pplx-[a-z0-9]{6}/g, "pplx-ID").replace(/"id":"[a-z0-9]{6}"/, '"id":"ID"').replace(/"rid":"[^"]*"/, '"rid":"…"');
    expect(sameIds(note.slice(blocks[0]!.from, blocks[0]!.to))).toBe(sameIds(readmeBlock ?? ""));
    // The plugin is installed in the copy, so opening it in Obsidian shows the same plugin.
    expect(existsSync(join(scratch!, ".obsidian", "plugins", "perplexity-query", "main.js"))).toBe(true);
  });

  it("keeps what the plugin saved in data.json, as Obsidian does (the spending record), but not the demo's server", async () => {
    const vault = await askedVault();
    const dataPath = join(vault, ".obsidian", "plugins", "perplexity-query", "data.json");
    const afterAsk = JSON.parse(readFileSync(dataPath, "utf8")) as Settings;
    const month = afterAsk.spend.months["2026-11"]!;
    expect(month).toMatchObject({ answers: 1, unknown: 0 });
    expect(month.usd).toBeGreaterThan(0);
    expect(afterAsk.baseUrl).toBeUndefined();
    // A cap just above that (set in settings) now refuses the next question before it is sent.
    writeFileSync(dataPath, JSON.stringify({ ...afterAsk, monthlyCapUsd: 0.002 }));
    const noteBefore = readFileSync(join(vault, NOTE), "utf8");
    const run = await demo(["--vault", vault, "--command", "ask-selection", "--select", "The AI Model Wars", "--now", "2026-11-25T09:00:00.000Z"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^demo: Not sent: this request would pass your monthly Perplexity spending cap of \$0\.0020\. Spent this month: \$0\.0014\./);
    expect(readFileSync(join(vault, NOTE), "utf8")).toBe(noteBefore);
  });

  it("with a cap of 0 a batch is not even offered: the demo says why once, and does not suggest --yes", async () => {
    const vault = committedDemoVault();
    const dataPath = join(vault, ".obsidian", "plugins", "perplexity-query", "data.json");
    mkdirSync(dirname(dataPath), { recursive: true });
    writeFileSync(dataPath, JSON.stringify({ monthlyCapUsd: 0 }));
    const question = 'Who are the major "Layer 1" AI model creators, vendors, and API s. As of today, how much "traction" does each player have?';
    const batch = await demo(["--vault", vault, "--command", "ask-questions-in-selection", "--select", question]);
    expect(batch.code).toBe(1);
    expect(batch.stderr).toBe("demo: Your monthly spending cap is $0, so nothing is sent. Raise or clear it in Settings → Perplexity Query → Spending.\n");
    expect(batch.stdout).toContain("Dialog: 1 question will be asked");
    expect(batch.stdout).not.toContain("--yes");
    expect(blocksIn(vault)).toHaveLength(0);
  });

  it("uses the emulator, not the real API, when PERPLEXITY_API_KEY is set but --real is not given", async () => {
    const vault = committedDemoVault();
    const run = await demo(["--vault", vault], { PERPLEXITY_API_KEY: "pplx-not-a-real-key" });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/bundled Perplexity emulator at http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(run.stdout).toContain("PERPLEXITY_API_KEY is set but not used: add --real");
    expect(run.stdout).not.toContain("pplx-not-a-real-key");
    expect(blocksIn(vault)).toHaveLength(1);
  });

  it("--real without a key is refused before anything runs", async () => {
    const vault = committedDemoVault();
    const run = await demo(["--vault", vault, "--real"], { PERPLEXITY_API_KEY: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--real needs your key in the PERPLEXITY_API_KEY environment variable");
    expect(blocksIn(vault)).toHaveLength(0);
  });

  it("a refresh with nothing stale exits 0 and says which --now would show one; with it, the block is refreshed", async () => {
    const vault = await askedVault();
    const early = await demo(["--vault", vault, "--command", "refresh-stale-in-note", "--now", "2026-11-25"]);
    expect(early.stderr).toBe("");
    expect(early.code).toBe(0);
    expect(early.stdout).toContain("Notice: No stale answers");
    expect(early.stdout).toContain("--now 2026-12-25");
    const later = await demo(["--vault", vault, "--command", "refresh-stale-in-note", "--now", "2026-12-25"]);
    expect(later.code).toBe(0);
    const blocks = blocksIn(vault);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.block.askedAt).toBe("2026-12-25T00:00:00.000Z");
  });

  it("the vault refresh shows its dialog and refreshes only with --yes", async () => {
    const vault = await askedVault();
    const asked = readFileSync(join(vault, NOTE), "utf8");
    const unconfirmed = await demo(["--vault", vault, "--command", "refresh-stale-in-vault", "--now", "2027-01-15"]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout).toContain("Dialog: 1 stale answer in 1 note.");
    expect(unconfirmed.stderr).toContain("run it again with --yes");
    expect(readFileSync(join(vault, NOTE), "utf8")).toBe(asked);
    const confirmed = await demo(["--vault", vault, "--command", "refresh-stale-in-vault", "--now", "2027-01-15", "--yes"]);
    expect(confirmed.stderr).toBe("");
    expect(confirmed.code).toBe(0);
    // The emulator's default answer comes back the same, so the block is re-dated and counted as unchanged.
    expect(confirmed.stdout).toMatch(/Dialog: (1 refreshed, 0 unchanged|0 refreshed, 1 unchanged), 0 skipped, 0 failed\./);
    expect(blocksIn(vault)[0]!.block.askedAt).toBe("2027-01-15T00:00:00.000Z");
  });

  it("links citations and exits 0 although that command writes no new block", async () => {
    const vault = await askedVault();
    const run = await demo(["--vault", vault, "--command", "link-citations"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Notice: Linked \d+ cited sources in 1 answer/);
  });

  it("each mistake fails with exit 1, its message printed once, and the note untouched", async () => {
    const selection = join(mkdtempSync(join(tmpdir(), "pq-demo-test-")), "selection.txt");
    made.push(dirname(selection));
    writeFileSync(selection, "text that is not in the note either\n");
    const cases: [string[], string][] = [
      [["--select", "text that is not in the note"], "the text to select (--select) was not found in"],
      [["--select-file", selection], "the text to select (--select-file) was not found in"],
      [["--now", "1"], '--now "1" is not an ISO date-time'],
      [["--command", "cancel"], "there is never one to cancel"],
      [["--command", "refresh-at-cursor"], "refresh-at-cursor is not available here"],
      [["--command", "ask-questions-in-selection", "--select", "## Vendors and traction"], "No questions to ask in the selection."],
      [["--frobnicate"], "--frobnicate"],
    ];
    // Run side by side: most of each run is starting Node. (Every other check of the flags: tests/scripts.)
    const results = await Promise.all(
      cases.map(async ([args, message]) => {
        const vault = committedDemoVault();
        return { args, message, vault, run: await demo(["--vault", vault, ...args]) };
      }),
    );
    for (const { args, message, vault, run } of results) {
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(occurrences(run.stdout + run.stderr, message), `${args.join(" ")}: ${run.stderr}`).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/^demo: /);
      expect(blocksIn(vault)).toHaveLength(0);
    }
  });

  it("removes the scratch copy of a run that stopped on a mistake before writing anything", async () => {
    const run = await demo(["--select", "text that is not in the note"]);
    expect(run.code).toBe(1);
    const scratch = /^Vault: (.+?) \(a scratch copy/m.exec(run.stdout)?.[1];
    expect(scratch).toBeDefined();
    made.push(scratch!);
    expect(existsSync(scratch!)).toBe(false);
  });

  it("a plugin failure is printed once, as the plugin's message, with exit 1", async () => {
    const vault = committedDemoVault();
    const run = await demo(["--vault", vault, "--base-url", "http://127.0.0.1:9/v1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^demo: Could not reach Perplexity/);
    expect(occurrences(run.stdout + run.stderr, "Could not reach Perplexity")).toBe(1);
    expect(readFileSync(join(vault, NOTE), "utf8")).toBe(execFileSync("git", ["show", `HEAD:demo-vault/${NOTE}`], { encoding: "utf8" }));
  });

  it("errors about files name the path", async () => {
    const dir = committedDemoVault();
    const file = join(dir, NOTE);
    const notAFolder = await demo(["--vault", file]);
    expect(notAFolder.code).toBe(1);
    expect(notAFolder.stderr).toBe(`demo: ${file} is a file, not a vault folder\n`);

    const missing = await demo(["--vault", join(dir, "nowhere")]);
    expect(missing.stderr).toBe(`demo: no vault folder at ${join(dir, "nowhere")}\n`);

    const dataPath = join(dir, ".obsidian", "plugins", "perplexity-query", "data.json");
    mkdirSync(dirname(dataPath), { recursive: true });
    writeFileSync(dataPath, "{ not json");
    const badData = await demo(["--vault", dir]);
    expect(badData.code).toBe(1);
    expect(badData.stderr).toContain(`demo: ${dataPath} is not valid JSON`);
    expect(badData.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("npm run demo against a server that never answers", { timeout: 120_000 }, () => {
  it("exits once the plugin's request timed out, with its message, although the connection is still open", async () => {
    const { startEmulator } = await import("../emulator/server");
    const hanging = await startEmulator({ scenario: { steps: [{ kind: "hang" }] } });
    try {
      const vault = committedDemoVault();
      const dataDir = join(vault, ".obsidian", "plugins", "perplexity-query");
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, "data.json"), JSON.stringify({ requestTimeoutSeconds: 2 }));
      const started = Date.now();
      // Before the fix the process waited for the server to close the connection: here, forever.
      const run = await demo(["--vault", vault, "--base-url", hanging.baseUrl, "--now", "2026-11-24T16:43:12.385Z"], {}, 60_000);
      expect(Date.now() - started).toBeLessThan(55_000);
      expect(run.stderr).toBe("demo: Perplexity did not answer within 2 seconds. Try again, or raise the timeout in Settings → Perplexity Query.\n");
      expect(run.code).toBe(1);
      // The note is as it was: the timed-out question left nothing behind.
      expect(blocksIn(vault)).toHaveLength(0);
    } finally {
      await hanging.close();
    }
  });
});

describe("npm run demo while Perplexity's rate limit holds", { timeout: 120_000 }, () => {
  it("prints the wait the placeholder shows, so the run does not look hung, then the answer", async () => {
    const { startEmulator } = await import("../emulator/server");
    // Live headers: x-ratelimit-reset in epoch seconds, read against the response's date (as in ask.test.ts).
    const serverNow = Math.floor(Date.now() / 1000);
    const headers = { date: new Date(serverNow * 1000).toUTCString(), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(serverNow + 3) };
    const limited = await startEmulator({ scenario: { steps: [{ kind: "http", status: 429, headers }] } });
    try {
      const vault = committedDemoVault();
      const run = await demo(["--vault", vault, "--base-url", limited.baseUrl], {}, 60_000);
      expect(run.stdout).toMatch(/^Waiting: Perplexity is limiting how often you can ask: asking again in [1-3] seconds?…$/m);
      expect(run.code).toBe(0);
      expect(blocksIn(vault)[0]!.block.state).toBe("answered");
    } finally {
      await limited.close();
    }
  });
});

describe("npm run demo -- --tour", { timeout: 300_000 }, () => {
  it("asks, cites, moves the clock, refreshes, follows up and refreshes the thread, printing what changed at each step", async () => {
    const vault = committedDemoVault();
    const run = await demo(["--tour", "--vault", vault, "--now", "2026-11-24T16:43:12.385Z"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const titles = ["Ask", "Cite", "Time passes", "Refresh", "Refresh the vault", "Follow up", "Refresh the thread", "A profile for a folder", "Many questions at once", "Where answers go", "A spending cap"];
    titles.forEach((title, i) => expect(run.stdout).toContain(`Step ${i + 1} of ${titles.length}: ${title} `));
    // Refresh: the Changes line, the folded previous answer, and a source note with its new update date.
    expect(run.stdout).toContain("+ > **Changes:** 1 new source");
    expect(run.stdout).toContain("+ > > [!perplexity-previous]- Previous answer (2026-11-24T16:43:12.385Z");
    expect(run.stdout).toMatch(/- updated: 2026-11-01\n\s+\+ updated: 2027-01-05/);
    expect(run.stdout).toContain("Dialog: 1 stale answer in 1 note.");
    expect(run.stdout).toContain("> **Follow-up to:** [[#^pplx-");
    // After the vault refresh (the scenario's third answer), a follow-up, and a day later the thread refreshed.
    const blocks = blocksIn(vault);
    expect(blocks).toHaveLength(2);
    const [first, followUp] = blocks.map((b) => b.block);
    expect(first!.previous?.[0]?.answer).toContain("third version");
    expect(first!.previous?.[0]?.askedAt).toBe("2027-02-22T16:43:12.385Z");
    expect(followUp).toMatchObject({ parent: first!.blockId, thread: first!.blockId });
    expect(followUp!.answer).toMatch(/^Following up on /);
    expect([first!.askedAt, followUp!.askedAt]).toEqual(["2027-02-23T16:43:12.385Z", "2027-02-23T16:43:12.385Z"]);

    // A profile: attached to Markets/ in data.json, its options sent and recorded in the block, its domains
    // the only ones the search found.
    const markets = parseBlocks(readFileSync(join(vault, MARKETS_NOTE), "utf8")).map((b) => b.block);
    const data = JSON.parse(readFileSync(join(vault, ".obsidian", "plugins", "perplexity-query", "data.json"), "utf8")) as Settings;
    expect(data.profiles).toEqual([expect.objectContaining({ name: "Market research", folders: ["Markets"] })]);
    expect(run.stdout).toContain('search_domain_filter: ["reuters.com","britannica.com"]');
    expect(markets.map((b) => b.question)).toEqual([
      "What does each major vendor charge per million output tokens?",
      "Which vendors offer a free tier for their API?",
      "Which vendors discount requests sent in bulk?",
    ]);
    for (const block of markets) {
      expect(block.request).toMatchObject({ preset: "medium", profile: "Market research", allowDomains: ["reuters.com", "britannica.com"], recency: "month", language: "en" });
      for (const source of block.sources) expect(new URL(source.url).hostname).toMatch(/(^|\.)(reuters|britannica)\.com$/);
    }
    // The batch: its count and estimate before anything was sent, from the profile's recorded cost.
    expect(run.stdout).toContain('Dialog: 2 questions will be asked in "Pricing questions"');
    expect(run.stdout).toMatch(/Dialog: Estimated cost: about \$0\.\d{4} \(\$0\.\d{4} each\), the cost of the last answer with preset medium\./);
    expect(run.stdout).toContain('Options: Preset or model from profile "Market research" (folder Markets)');
    // The cap: refused with month-to-date spend, the estimate and where to raise it; nothing sent or written.
    expect(run.stdout).toMatch(/Notice: Not sent: this request would pass your monthly Perplexity spending cap of \$0\.\d{4}\. Spent this month: \$0\.\d{4}\. This request: about \$0\.\d{4}, the average of the last 3 answers with preset medium\. To send it, raise or clear the monthly cap in Settings → Perplexity Query → Spending\./);
    expect(run.stdout).toContain("Requests sent to Perplexity: 0. No files changed.");
    // The cap was set just above the month's spend, then cleared, so the vault asks normally in Obsidian.
    const cap = Number(/sets a monthly cap of \$(\d+\.\d+)/.exec(run.stdout)?.[1]);
    expect(cap).toBeGreaterThan(data.spend.months["2027-02"]!.usd);
    expect(run.stdout).toContain("The tour then clears the cap again");
    expect(data.monthlyCapUsd).toBeNull();
    // February: the vault refresh, the follow-up, the thread refresh (two answers), the profile ask, the batch (two),
    // and the two questions of "Where answers go".
    expect(data.spend.months["2027-02"]!.answers).toBe(9);
    // Where answers go (issue 18): asked from a table cell, the answer is after the whole table; asked from a
    // property value, after the properties, which still parse to the same object.
    const original = readFileSync(join("demo-vault", TABLE_NOTE), "utf8");
    const research = readFileSync(join(vault, TABLE_NOTE), "utf8");
    const asked = parseBlocks(research);
    expect(asked.map((b) => b.block.question)).toEqual(["Which AI vendor offers the longest context window?", "What is Anthropic's largest model?"]);
    const table = original.slice(original.indexOf("| Vendor"), original.indexOf("\n\nNotes written below"));
    expect(research.slice(0, asked[1]!.from).trimEnd().endsWith(table)).toBe(true);
    const properties = original.slice(0, original.indexOf("# Vendor comparison"));
    expect(research.startsWith(properties.trimEnd() + "\n\n> [!perplexity]")).toBe(true);
    // Nothing else changed but the blank line that now parts the answer from the heading below the properties.
    expect(research.replace(/\n\n> \[!perplexity\][\s\S]*?\^pplx-[a-z0-9]+(?=\n)/g, "")).toBe(original.replace("---\n# Vendor", "---\n\n# Vendor"));
  });

  it("refuses --real: its second answer is the emulator's", async () => {
    const run = await demo(["--tour", "--real"], { PERPLEXITY_API_KEY: "pplx-x" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--tour runs against the bundled emulator only");
  });

  it("asks a follow-up of the note's last answer with --command ask-follow-up --question, then refreshes the thread", async () => {
    const vault = await askedVault();
    const followUp = await demo(["--vault", vault, "--command", "ask-follow-up", "--question", "Which of them sell an API?", "--now", "2027-01-15T09:05:00.000Z"]);
    expect(followUp.stderr).toBe("");
    expect(followUp.code).toBe(0);
    expect(followUp.stdout).toContain("> **Follow-up to:** [[#^pplx-");
    let blocks = blocksIn(vault);
    expect(blocks.map((b) => b.block.question.slice(0, 20))).toEqual([blocks[0]!.block.question.slice(0, 20), "Which of them sell a"]);
    expect(blocks[1]!.block).toMatchObject({ parent: blocks[0]!.block.blockId, thread: blocks[0]!.block.blockId });
    expect(blocks[1]!.block.answer).toMatch(/^Following up on /);
    const missing = await demo(["--vault", vault, "--command", "ask-follow-up"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--question TEXT");
    const refreshed = await demo(["--vault", vault, "--command", "refresh-thread", "--now", "2027-02-01T09:00:00.000Z"]);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stdout).toMatch(/Notice: Perplexity refresh: .*(2 unchanged|2 refreshed)/);
    blocks = blocksIn(vault);
    expect(blocks.map((b) => b.block.askedAt)).toEqual(["2027-02-01T09:00:00.000Z", "2027-02-01T09:00:00.000Z"]);
  }, 180_000);
});

describe("npm run demo -- --command ask-questions-in-selection", { timeout: 90_000 }, () => {
  const NOTE_TEXT = "# Solar\n\n- What is the price of solar panels?\n- Who makes the most panels?\n- A note to myself.\n";
  const SELECT = "- What is the price of solar panels?\n- Who makes the most panels?";

  it("shows the count and estimate and sends nothing without --yes; asks every question with --yes", async () => {
    const vault = mkdtempSync(join(tmpdir(), "pq-demo-batch-"));
    made.push(vault);
    writeFileSync(join(vault, "Solar.md"), NOTE_TEXT);
    const args = ["--vault", vault, "--note", "Solar.md", `--select=${SELECT}`, "--command", "ask-questions-in-selection"];
    const refused = await demo(args);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('2 questions will be asked in "Solar"');
    expect(refused.stdout).toContain("Estimated cost:");
    expect(refused.stderr).toContain("run it again with --yes to confirm");
    expect(readFileSync(join(vault, "Solar.md"), "utf8")).toBe(NOTE_TEXT);

    const confirmed = await demo([...args, "--yes"]);
    expect(confirmed.stderr).toBe("");
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toMatch(/2 answered/);
    const blocks = parseBlocks(readFileSync(join(vault, "Solar.md"), "utf8"));
    expect(blocks.map((b) => b.block.question)).toEqual(["What is the price of solar panels?", "Who makes the most panels?"]);
  });
});

describe("npm run demo -- --web (checking sources against local test pages)", { timeout: 180_000 }, () => {
  it("asks with an answer citing the local pages, then checks them and prints every verdict", async () => {
    const vault = committedDemoVault();
    const asked = await demo(["--vault", vault, "--web", "--now", "2026-12-01T09:00:00Z"]);
    expect(asked.stderr).toBe("");
    expect(asked.code).toBe(0);
    // Fetching pages is off by default, and the local pages are private hosts: the check refuses without the flag.
    const refused = await demo(["--vault", vault, "--web", "--command", "check-sources-in-note", "--now", "2026-12-01T10:00:00Z"]);
    expect(refused.code).toBe(1);
    expect(blocksIn(vault)[0]!.block.sources.some((s) => s.check !== undefined)).toBe(false);
    const checked = await demo(["--vault", vault, "--web", "--allow-private-hosts", "--command", "check-sources-in-note", "--now", "2026-12-01T10:00:00Z"]);
    // Nothing on stderr: the pages' stylesheets and iframes are not loaded, and not complained about either.
    expect(checked.stderr).toBe("");
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/> \*\*Sources checked\*\* 2026-12-01: \d+ supported, \d+ partly, \d+ moved, \d+ gone, \d+ unknown/);
    const verdicts = new Set(blocksIn(vault)[0]!.block.sources.flatMap((s) => (s.check ? [s.check.verdict] : [])));
    expect([...verdicts].sort()).toEqual(["gone", "moved", "partly", "supported", "unknown"]);
  });
});
