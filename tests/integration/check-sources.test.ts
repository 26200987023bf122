// Checking sources through the built main.js against a local web on 127.0.0.1: every verdict the issue
// lists, the marks and summary line in the block, the source notes' properties, the private-host guard, the
// setting that keeps fetching off, and the vault check's pace, cancel and resume.
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { parseBlocks } from "../../src/core/block";
import type { SourceEntry } from "../../src/core/block";
import { checkVault } from "../web/check-vault";
import { CLAIM, citingScenario, PAGES, SNIPPET, startLocalWeb } from "../web/server";
import type { LocalWeb } from "../web/server";
import { selectInNote, startHarness, useHarnessPlatform } from "./harness";
import type { Harness } from "./harness";

let web: LocalWeb;
let h: Harness | undefined;
// The desktop app, where checks fetch with Node's http (mobile: tests/integration/hostile-pages.test.ts).
useHarnessPlatform("desktop");
beforeAll(async () => {
  web = await startLocalWeb({ slowMs: 6000 });
});
afterAll(async () => {
  useHarnessPlatform(undefined);
  await web.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NOTE = "Acme.md";
const QUESTION = "How did Acme do in 2025?";
const UNRESOLVABLE = "http://no-such-host.invalid/acme";
const scenario = (paths: string[], extra: Parameters<typeof citingScenario>[2] = []) => citingScenario((p) => web.url(p), paths, extra);

const checkSettings = { checkSourcesFetch: true, checkSourcesAllowPrivateHosts: true, checkSourcesTimeoutSeconds: 4, checkSourcesPerSecond: 50 };

async function askAndCheck(settings: Record<string, unknown>, paths: string[], extra: Parameters<typeof scenario>[1] = []) {
  h = await startHarness({ files: { [NOTE]: `# Acme\n\n${QUESTION}\n` }, scenario: scenario(paths, extra), settings });
  await selectInNote(h.runtime, NOTE, QUESTION);
  h.runtime.runCommand("ask-selection");
  await h.plugin.idle();
  h.plugin.clock = { now: () => new Date("2026-12-01T09:00:00.000Z") };
  expect(h.runtime.runCommand("check-sources-in-note")).toBe(true);
  await h.plugin.idle();
  const text = h.runtime.editor(NOTE).getValue();
  return { text, block: parseBlocks(text)[0]!.block };
}

function byPath(sources: SourceEntry[], path: string): SourceEntry {
  return sources.find((s) => s.url === web.url(path))!;
}

async function frontmatter(h: Harness, source: SourceEntry): Promise<string> {
  return h.runtime.app.vault.read(h.runtime.app.vault.getFileByPath(`Sources/${source.id}.md`)!);
}

describe("check the sources of an answer", () => {
  it("gives every page of the local web its verdict, marks the block and records the source notes", async () => {
    const paths = Object.keys(PAGES);
    const { text, block } = await askAndCheck(checkSettings, paths, [{ url: UNRESOLVABLE, snippet: SNIPPET, claim: CLAIM }]);
    for (const [path, verdict] of Object.entries(PAGES)) {
      expect({ path, verdict: byPath(block.sources, path).check?.verdict }).toEqual({ path, verdict });
      expect(byPath(block.sources, path).check?.on).toBe("2026-12-01");
    }
    const unresolvable = block.sources.find((s) => s.url === UNRESOLVABLE)!.check!;
    expect(unresolvable.verdict).toBe("unknown");
    expect(unresolvable.reason).toContain("could not be reached");
    // Each verdict says why.
    expect(byPath(block.sources, "/different-figure").check!.missing).toEqual(["12%"]);
    expect(byPath(block.sources, "/redirect").check!.reason).toBe(web.url("/new-home"));
    expect(byPath(block.sources, "/loop").check!.reason).toContain("too many redirects");
    expect(byPath(block.sources, "/forbidden").check!.reason).toContain("HTTP 403");
    expect(byPath(block.sources, "/rate-limited").check!.reason).toContain("HTTP 429");
    expect(byPath(block.sources, "/huge").check!.reason).toContain("2 MB");
    expect(byPath(block.sources, "/ranged-huge").check!.reason).toContain("2 MB");
    // Only the first 2 MB was asked for.
    expect(web.requests.find((r) => r.path === "/ranged-huge")!.range).toBe("bytes=0-2097151");
    expect(byPath(block.sources, "/report.pdf").check!.reason).toContain("application/pdf");
    expect(byPath(block.sources, "/js-only").check!.reason).toContain("JavaScript");
    expect(byPath(block.sources, "/slow").check!.reason).toContain("within 4 s");
    // The block: a mark and date on each citation line, one summary line.
    expect(text).toContain("> **Sources checked** 2026-12-01: 3 supported, 1 partly, 1 moved, 2 gone, 9 unknown\n");
    const line = (path: string) => text.split("\n").find((l) => l.includes(`(${web.url(path)})`))!;
    expect(line("/supported")).toMatch(/ ✓ 2026-12-01$/);
    expect(line("/different-figure")).toMatch(/ ◐ 2026-12-01$/);
    expect(line("/redirect")).toMatch(/ ↪ 2026-12-01$/);
    expect(line("/gone-404")).toMatch(/ ✗ 2026-12-01$/);
    expect(line("/forbidden")).toMatch(/ \? 2026-12-01$/);
    // The answer text is untouched, and still not "edited".
    expect(parseBlocks(text)[0]!.edited).toBe(false);
    // Hostile HTML: nothing ran, nothing from the page was copied, nothing it links to was loaded.
    expect((window as unknown as { __pwned?: boolean }).__pwned).toBeUndefined();
    expect(web.requests.some((r) => r.path.startsWith("/beacon"))).toBe(false);
    expect(text).not.toContain("javascript:");
    // Source notes: checked, check_status, final_url when moved, archive; the user's body untouched.
    const moved = await frontmatter(h!, byPath(block.sources, "/redirect"));
    expect(moved).toContain("checked: 2026-12-01");
    expect(moved).toContain("check_status: moved");
    expect(moved).toContain(`final_url: ${web.url("/new-home")}`);
    expect(moved).toContain(`archive: https://web.archive.org/web/20261124/${web.url("/redirect")}`);
    expect(moved).toContain("## Notes");
    const partly = await frontmatter(h!, byPath(block.sources, "/different-figure"));
    expect(partly).toContain("check_status: partly");
    expect(partly).not.toContain("final_url");
  });

  it("checks a page once per interval, however many answers cite it, and writes the recorded verdict to a second answer", async () => {
    await askAndCheck(checkSettings, ["/supported"]);
    const fetched = web.requests.filter((r) => r.path === "/supported").length;
    // The same page, cited by a second answer in the same note: no second request.
    h!.runtime.runCommand("check-sources-in-note");
    await h!.plugin.idle();
    expect(web.requests.filter((r) => r.path === "/supported").length).toBe(fetched);
    expect(h!.runtime.notices.at(-1)).toContain("1 checked recently");
  });

  it("refuses private hosts unless allowed, and fetches nothing while fetching is off (the default)", async () => {
    const before = web.requests.length;
    const { block } = await askAndCheck({ ...checkSettings, checkSourcesAllowPrivateHosts: false }, ["/supported"]);
    expect(web.requests.length).toBe(before);
    expect(byPath(block.sources, "/supported").check!.verdict).toBe("unknown");
    expect(byPath(block.sources, "/supported").check!.reason).toContain("private or local network address");
    await h!.close();
    h = undefined;

    const off = await askAndCheck({}, ["/supported"]);
    expect(web.requests.length).toBe(before);
    expect(byPath(off.block.sources, "/supported").check).toBeUndefined();
    expect(h!.runtime.notices.at(-1)).toContain("Allow fetching pages");
  });

  it("checks a new answer by itself only when that setting is on", async () => {
    for (const auto of [false, true]) {
      h = await startHarness({ files: { [NOTE]: `# Acme\n\n${QUESTION}\n` }, scenario: scenario(["/supported"]), settings: { ...checkSettings, checkSourcesAuto: auto } });
      await selectInNote(h.runtime, NOTE, QUESTION);
      h.runtime.runCommand("ask-selection");
      await h.plugin.idle();
      const block = parseBlocks(h.runtime.editor(NOTE).getValue())[0]!.block;
      expect(byPath(block.sources, "/supported").check?.verdict).toBe(auto ? "supported" : undefined);
      await h.close();
      h = undefined;
    }
  });

  it("skips the domains on the skip list, leaving their lines unmarked", async () => {
    const { block } = await askAndCheck({ ...checkSettings, checkSourcesSkipDomains: "example.org, 127.0.0.1" }, ["/supported"]);
    expect(byPath(block.sources, "/supported").check).toBeUndefined();
    expect(h!.runtime.notices.at(-1)).toContain("127.0.0.1 is on your list of domains never to fetch");
  });

  it("shows what was and was not found for each claim", async () => {
    await askAndCheck(checkSettings, ["/supported", "/different-figure"]);
    const view = await h!.runtime.openNote(NOTE);
    const at = view.editor.getValue().indexOf("Acme's revenue");
    view.editor.setCursor(view.editor.offsetToPos(at));
    expect(h!.runtime.runCommand("show-source-check-at-cursor")).toBe(true);
    const modal = h!.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement };
    const shown = modal.contentEl.textContent ?? "";
    expect(shown).toContain("partly");
    expect(shown).toContain("Not found on the page: 12%");
    expect(shown).toContain("Found: the quoted passage");
    expect(shown).toContain("Acme's revenue reached $4.5 billion in 2025, up 12%.");
    expect(shown).not.toContain("Page 1"); // the supported page is not listed
  });
});

describe("a vault check after a note check (issue 22, item 8)", () => {
  it("reuses the recent results in a later session and keeps what the earlier check found for each citation", async () => {
    const { block } = await askAndCheck(checkSettings, ["/supported", "/different-figure"]);
    const before = block.sources.map((s) => s.check);
    expect(before.filter((c) => c?.found?.length)).toHaveLength(2);
    const fetched = web.requests.length;
    await h!.runtime.saveAll(); // as Obsidian saves the editor shortly after each edit, then parses the note
    await h!.runtime.metadataSettled();
    // A later session (as each demo command is): the recent verdicts come from the source notes.
    await h!.runtime.unloadPlugin();
    const plugin = (await h!.runtime.loadPlugin()) as Harness["plugin"];
    plugin.clock = { now: () => new Date("2026-12-02T09:00:00.000Z") };
    h = { ...h!, plugin };
    h.runtime.runCommand("check-sources-in-vault");
    await h!.plugin.idle();
    const modal = h!.runtime.openModals.at(-1) as unknown as { run(): Promise<{ fetched: number; reused: number }> };
    const report = await modal.run();
    expect(report).toMatchObject({ fetched: 0, reused: 2 });
    expect(web.requests.length).toBe(fetched);
    const after = parseBlocks(h!.runtime.editor(NOTE).getValue())[0]!.block.sources.map((s) => s.check);
    expect(after).toEqual(before);
  });
});

describe("check the sources in vault", () => {
  const vaultSettings = { ...checkSettings, checkSourcesPerSecond: 20 };

  async function openVaultCheck(files: Record<string, string>, settings = vaultSettings) {
    h = await startHarness({ files, settings });
    h.plugin.clock = { now: () => new Date("2026-12-01T09:00:00.000Z") };
    h.runtime.runCommand("check-sources-in-vault");
    await h.plugin.idle();
    return h.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement; run(): Promise<{ fetched: number; blocksWritten: number; stopped?: string; verdicts: Record<string, number> }> };
  }

  it("counts first, then checks every page once at the set pace, one request at a time per host", async () => {
    const files = checkVault((p) => web.url(p), 4, 5);
    const modal = await openVaultCheck(files);
    expect(modal.contentEl.textContent).toContain("4 answers in 4 notes cite 20 pages. 20 pages will be fetched");
    const start = web.requests.length;
    const report = await modal.run();
    expect(report.fetched).toBe(20);
    expect(report.verdicts.supported).toBe(20);
    expect(report.blocksWritten).toBe(4);
    const requests = web.requests.slice(start);
    expect(requests).toHaveLength(20);
    // 20 a second: the plugin spaces starts 50 ms apart; the server sees them with some network jitter, so
    // the whole run is asserted (19 spacings), and never two requests at once on one host.
    const starts = requests.map((r) => r.start).sort((a, b) => a - b);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(19 * 50 - 20);
    const sorted = [...requests].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end - 1);
    expect(modal.contentEl.textContent).toContain("Sources checked: 20 supported (20 pages fetched).");
    const note = await h!.runtime.app.vault.read(h!.runtime.app.vault.getFileByPath("Answers/Note 0.md")!);
    expect(note).toContain("> **Sources checked** 2026-12-01: 5 supported\n");
    expect(note).toContain("The user's closing line.");
  });

  it("stops when cancelled, leaves every note whole, and a second run resumes with the pages not yet checked", async () => {
    const files = checkVault((p) => web.url(p), 3, 4);
    const modal = await openVaultCheck(files, { ...vaultSettings, checkSourcesPerSecond: 10 });
    const start = web.requests.length;
    const running = modal.run();
    // Cancel once 5 of the 12 pages have been asked for.
    while (web.requests.length - start < 5) await new Promise((r) => setTimeout(r, 5));
    expect(h!.runtime.runCommand("cancel")).toBe(true);
    const report = await running;
    expect(report.stopped).toContain("You cancelled the check");
    const fetchedFirst = web.requests.length - start;
    expect(fetchedFirst).toBeLessThan(12);
    // Every block is either untouched or fully marked; never some lines of a block.
    for (let n = 0; n < 3; n++) {
      const text = await h!.runtime.app.vault.read(h!.runtime.app.vault.getFileByPath(`Answers/Note ${n}.md`)!);
      const marks = (text.match(/ ✓ 2026-12-01$/gm) ?? []).length;
      expect([0, 4]).toContain(marks);
      if (marks === 0) expect(text).toBe(files[`Answers/Note ${n}.md`]);
    }
    // Source notes of the pages judged carry their check; the rest nothing (read once the cache has them).
    await h!.runtime.metadataSettled();
    const checkedNotes = h!.runtime.app.vault.getMarkdownFiles().filter((f) => f.path.startsWith("Sources/") && h!.runtime.app.metadataCache.getFileCache(f)?.frontmatter?.checked === "2026-12-01");
    expect(checkedNotes.length).toBeGreaterThan(0);
    expect(checkedNotes.length).toBeLessThan(12);

    // Resume: only the pages not checked yet are fetched; every block ends up marked.
    h!.runtime.runCommand("check-sources-in-vault");
    await h!.plugin.idle();
    const again = h!.runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement; run(): Promise<{ fetched: number; blocksWritten: number }> };
    expect(again.contentEl.textContent).toContain(`${12 - checkedNotes.length} pages will be fetched`);
    const resumed = await again.run();
    expect(resumed.fetched).toBe(12 - checkedNotes.length);
    for (let n = 0; n < 3; n++) {
      const text = await h!.runtime.app.vault.read(h!.runtime.app.vault.getFileByPath(`Answers/Note ${n}.md`)!);
      expect((text.match(/ ✓ 2026-12-01$/gm) ?? []).length).toBe(4);
    }
  });
});
