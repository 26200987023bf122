// `npm run demo` on a fresh copy of the demo vault: no key, no network, the real command.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";

const run = promisify(execFile);
const vault = mkdtempSync(join(tmpdir(), "pq-demo-"));
cpSync("demo-vault", vault, { recursive: true });
afterAll(() => rmSync(vault, { recursive: true, force: true }));

function demo(...args: string[]) {
  const env = { ...process.env };
  delete env.PERPLEXITY_API_KEY;
  return run(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--vault", vault, ...args], { env, timeout: 60_000 });
}

describe("headless demo", () => {
  it("asks the seed question in the demo note and writes the block and source notes back", async () => {
    const { stdout } = await demo("--now", "2026-11-24T16:43:12.385Z");
    expect(stdout).toContain("Perplexity Query (2026-11-24T16:43:12.385Z)");
    const note = readFileSync(join(vault, "The AI Model Wars.md"), "utf8");
    const blocks = parseBlocks(note);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.block.state).toBe("answered");
    expect(blocks[0]!.block.question).toContain('"Layer 1" AI model creators');
    const sources = readdirSync(join(vault, "Sources"));
    // One note per cited source; sources found but not cited are listed without a note.
    const cited = blocks[0]!.block.sources.filter((s) => s.cited);
    expect(cited.length).toBeGreaterThan(0);
    expect(sources.sort()).toEqual(cited.map((s) => `${s.id}.md`).sort());
    for (const name of sources) expect(stdout).toContain(`Sources/${name}`);
  });

  it("refreshes the demo note's stale block with --command refresh-stale-in-note --now <later>", async () => {
    const { stdout } = await demo("--command", "refresh-stale-in-note", "--now", "2027-01-15T09:00:00.000Z");
    expect(stdout).toContain("Perplexity Query (2027-01-15T09:00:00.000Z)");
    const blocks = parseBlocks(readFileSync(join(vault, "The AI Model Wars.md"), "utf8"));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.block.askedAt).toBe("2027-01-15T09:00:00.000Z");
  });

  it("links citations and exits 0 although that command writes no new block", async () => {
    const { stdout } = await demo("--command", "link-citations");
    expect(stdout).toMatch(/Notice: Linked \d+ cited sources in 1 answer/);
  });

  it("fails with the plugin's own message and a non-zero status", async () => {
    const failure: unknown = await demo("--select", "text that is not in the note").catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain("not found");
  });
});

describe("headless demo of a batch", () => {
  const batchVault = mkdtempSync(join(tmpdir(), "pq-demo-batch-"));
  afterAll(() => rmSync(batchVault, { recursive: true, force: true }));
  const NOTE = "# Solar\n\n- What is the price of solar panels?\n- Who makes the most panels?\n- A note to myself.\n";
  const SELECT = "- What is the price of solar panels?\n- Who makes the most panels?";
  function batchDemo(...args: string[]) {
    const env = { ...process.env };
    delete env.PERPLEXITY_API_KEY;
    return run(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--vault", batchVault, "--note", "Solar.md", `--select=${SELECT}`, "--command", "ask-questions-in-selection", ...args], { env, timeout: 60_000 });
  }

  it("shows the count and estimate and sends nothing without --yes; asks every question with --yes", async () => {
    writeFileSync(join(batchVault, "Solar.md"), NOTE);
    const refused = await batchDemo().then(
      () => null,
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(refused?.stdout).toContain('2 questions will be asked in "Solar"');
    expect(refused?.stdout).toContain("Estimated cost:");
    expect(refused?.stderr).toContain("run it again with --yes to confirm");
    expect(readFileSync(join(batchVault, "Solar.md"), "utf8")).toBe(NOTE);

    const { stdout } = await batchDemo("--yes");
    expect(stdout).toContain("Perplexity questions: 2 answered.");
    const blocks = parseBlocks(readFileSync(join(batchVault, "Solar.md"), "utf8"));
    expect(blocks.map((b) => b.block.question)).toEqual(["What is the price of solar panels?", "Who makes the most panels?"]);
  }, 60_000);
});
