// Checking the sources of answers: plan (which blocks, which pages, which are due), fetch each page once
// however many answers cite it (paced overall, one request at a time per site), judge it against the claims
// of every answer citing it, and write back only verdicts, dates and URLs: the source note's properties as
// soon as its page is judged, a block's marks once every one of its pages is judged. A cancelled check
// leaves every note and block either as it was or fully updated, and a later check resumes where it stopped
// (pages checked within the recheck interval are not fetched again).
import { TFile } from "obsidian";
import { BLOCK_ID_PREFIX, findBlock, formatBlock, parseBlocks } from "../../core/block";
import type { AnswerBlock, FormatOptions, SourceEntry } from "../../core/block";
import { calloutOf } from "../../core/markdown";
import { createRateLimiter } from "../../core/rate-limiter";
import {
  applySourceCheck, claimsFor, compare, hostRefusal, isCheckDue, parseDomainList, readPage, snippetOfNote, sourceCheckOf, VERDICTS,
  type Claim, type HtmlParser, type SourceCheck, type Verdict,
} from "../../core/source-check";
import { canonicalUrl } from "../../core/source-id";
import { HostQueue, pageFetcher, type PageFetcher } from "./check-fetcher";
import { applyToNote, currentText } from "../editing/note-writer";
import { windowClock } from "../refresh/refresh-flow";
import type { RefreshContext, RefreshTarget } from "../refresh/refresh-flow";
import { cleanWebLine } from "../../core/web-text";

/** What a check needs of the plugin: a refresh's context without Perplexity (a check asks it nothing). */
export type CheckContext = Omit<RefreshContext, "service">;

/** One block to check, as it was when planned. */
export type CheckTarget = Pick<RefreshTarget, "file" | "blockId" | "askedAt" | "question">;

export interface CheckItem {
  note: string;
  what: string;
  detail: string;
}

/** One page to judge, and every planned block that cites it. */
interface PagePlan {
  url: string;
  note: TFile | null;
  snippet?: string;
  /** A check recent enough to reuse instead of fetching. */
  recent?: SourceCheck;
  /** Set when the page is never fetched (skip list). */
  skip?: string;
  /** The blocks citing it: their claims, and the check each already records for this page, if any. */
  citing: { key: string; claims: Claim[]; own?: SourceCheck }[];
}

/**
 * What a reused check writes into one citing block: the block's own record when it is this same check (same
 * verdict, as recent), since only it holds what was found for that block's claims; the shared one otherwise.
 */
function reusedCheck(recent: SourceCheck, own: SourceCheck | undefined): SourceCheck {
  return own !== undefined && own.verdict === recent.verdict && own.on >= recent.on ? own : recent;
}

export interface CheckPlan {
  targets: CheckTarget[];
  pages: PagePlan[];
  notes: number;
  /** Pages that will be fetched (the rest were checked recently or are skipped). */
  due: number;
  skipped: CheckItem[];
}

export interface CheckReport {
  /** Verdicts of the pages judged in this run (fetched or reused). */
  verdicts: Record<Verdict, number>;
  fetched: number;
  reused: number;
  blocksWritten: number;
  skipped: CheckItem[];
  stopped?: string;
}

/** At most this many pages are fetched at once, whatever the pace. */
export const CHECK_CONCURRENCY = 4;

function targetKey(file: TFile, blockId: string): string {
  return `${file.path}#${blockId}`;
}

/** The fold the block has now ("+", "-" or none), so that writing marks never unfolds it. */
function currentFold(text: string, from: number): FormatOptions["fold"] {
  const lineEnd = text.indexOf("\n", from);
  return (calloutOf(text.slice(from, lineEnd === -1 ? text.length : lineEnd))?.fold ?? "") as FormatOptions["fold"];
}

export class SourceChecker {
  private readonly hosts = new HostQueue();
  private readonly notesQueue = new HostQueue();
  /**
   * Pages judged in this session. The metadata cache updates a little after a source note is written (as
   * Obsidian's does), so a check run right after another would otherwise not see the verdict just written.
   */
  private readonly judged = new Map<string, SourceCheck>();

  private fetcherInUse: PageFetcher | undefined;

  constructor(
    private readonly ctx: CheckContext,
    private readonly parser: () => HtmlParser = () => new DOMParser(),
    private readonly makeFetcher: () => PageFetcher = pageFetcher,
  ) {}

  /** The platform's page fetcher, made once. */
  get fetcher(): PageFetcher {
    return (this.fetcherInUse ??= this.makeFetcher());
  }

  private today(): string {
    return this.ctx.now().toISOString().slice(0, 10);
  }

  /** The answered blocks of a note with cited sources (or only the one with `blockId`). */
  blocksOf(text: string, blockId?: string): AnswerBlock[] {
    return parseBlocks(text)
      .filter((p) => p.problems.length === 0 && p.block.state === "answered" && p.block.sources.some((s) => s.cited))
      .filter((p) => blockId === undefined || p.block.blockId === blockId)
      .map((p) => p.block);
  }

  /** Plans the blocks of these notes: groups their cited pages, reads snippets and recent checks. */
  async plan(notes: { file: TFile; blocks: AnswerBlock[] }[]): Promise<CheckPlan> {
    const settings = this.ctx.settings();
    const skipDomains = parseDomainList(settings.checkSourcesSkipDomains);
    const today = this.today();
    const useNotes = settings.createSourceNotes;
    if (useNotes) this.ctx.sources.index.ensureBuilt();
    const pages = new Map<string, PagePlan>();
    const targets: CheckTarget[] = [];
    const noteCount = new Set<string>();
    for (const { file, blocks } of notes) {
      for (const block of blocks) {
        const key = targetKey(file, block.blockId);
        targets.push({ file, blockId: block.blockId, askedAt: block.askedAt, question: block.question });
        noteCount.add(file.path);
        for (const source of block.sources) {
          const url = source.cited ? canonicalUrl(source.url) : null;
          if (url === null) continue;
          let page = pages.get(url);
          if (page === undefined) {
            const note = useNotes ? this.ctx.sources.index.noteForUrl(url) : null;
            page = { url, note, citing: [] };
            const refused = hostRefusal(url, { allowPrivateHosts: settings.checkSourcesAllowPrivateHosts, skipDomains });
            if (refused?.kind === "skipped") page.skip = refused.reason;
            const judged = this.judged.get(url);
            if (judged && !isCheckDue(judged.on, today, settings.checkSourcesIntervalDays)) {
              page.recent = judged;
            } else if (note) {
              const recorded = sourceCheckOf(this.ctx.app.metadataCache.getFileCache(note)?.frontmatter);
              if (recorded && !isCheckDue(recorded.on, today, settings.checkSourcesIntervalDays)) page.recent = recorded;
              else page.snippet = snippetOfNote(await this.ctx.app.vault.cachedRead(note));
            } else if (source.check && !isCheckDue(source.check.on, today, settings.checkSourcesIntervalDays)) {
              page.recent = source.check;
            }
            pages.set(url, page);
          }
          page.citing.push({ key, claims: claimsFor(block.answer, source.id), ...(source.check ? { own: source.check } : {}) });
        }
      }
    }
    const list = [...pages.values()];
    return {
      targets,
      pages: list,
      notes: noteCount.size,
      due: list.filter((p) => p.recent === undefined && p.skip === undefined).length,
      skipped: list.filter((p) => p.skip !== undefined).map((p) => ({ note: p.note?.path ?? "", what: p.url, detail: p.skip! })),
    };
  }

  /** The answers of the whole vault with cited sources; only notes whose metadata lists a `^pplx-` block are read. */
  async planVault(): Promise<CheckPlan> {
    const { app } = this.ctx;
    const notes: { file: TFile; blocks: AnswerBlock[] }[] = [];
    for (const file of app.vault.getMarkdownFiles()) {
      const ids = app.metadataCache.getFileCache(file)?.blocks;
      if (!ids || !Object.keys(ids).some((id) => id.startsWith(BLOCK_ID_PREFIX))) continue;
      const blocks = this.blocksOf(await currentText(app, file));
      if (blocks.length) notes.push({ file, blocks });
    }
    return this.plan(notes);
  }

  /** Checks the planned pages and writes the results; `progress` hears about each page judged. */
  async run(plan: CheckPlan, progress: (done: number, total: number, url: string) => void, signal: AbortSignal): Promise<CheckReport> {
    const settings = this.ctx.settings();
    const skipDomains = parseDomainList(settings.checkSourcesSkipDomains);
    const today = this.today();
    const report: CheckReport = { verdicts: Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>, fetched: 0, reused: 0, blocksWritten: 0, skipped: [...plan.skipped] };
    const limiter = createRateLimiter({ perMinute: settings.checkSourcesPerSecond * 60, perSecond: settings.checkSourcesPerSecond, concurrency: CHECK_CONCURRENCY, clock: windowClock });
    // Per block: its pages' checks by URL, and how many of its pages are still unjudged.
    const results = new Map<string, Map<string, SourceCheck>>();
    const remaining = new Map<string, number>();
    for (const page of plan.pages) {
      if (page.skip !== undefined) continue;
      for (const c of page.citing) remaining.set(c.key, (remaining.get(c.key) ?? 0) + 1);
    }
    const byKey = new Map(plan.targets.map((t) => [targetKey(t.file, t.blockId), t]));
    const writes: Promise<void>[] = [];
    const settle = (page: PagePlan, checks: Map<string, SourceCheck>) => {
      for (const c of page.citing) {
        const map = results.get(c.key) ?? new Map<string, SourceCheck>();
        map.set(page.url, checks.get(c.key)!);
        results.set(c.key, map);
        const left = (remaining.get(c.key) ?? 1) - 1;
        remaining.set(c.key, left);
        const target = byKey.get(c.key);
        if (left === 0 && target && !signal.aborted) writes.push(this.writeBlock(target, map, report));
      }
    };
    const work = plan.pages.filter((p) => p.skip === undefined);
    let done = 0;
    await Promise.all(
      work.map(async (page) => {
        try {
          let checks: Map<string, SourceCheck>;
          if (page.recent !== undefined) {
            report.reused++;
            checks = new Map(page.citing.map((c) => [c.key, reusedCheck(page.recent!, c.own)]));
            report.verdicts[page.recent.verdict]++;
          } else {
            const outcome = await this.hosts.run(page.url, () =>
              limiter.run(
                (s) => this.fetcher.fetch(page.url, { timeoutSeconds: settings.checkSourcesTimeoutSeconds, allowPrivateHosts: settings.checkSourcesAllowPrivateHosts, skipDomains, signal: s }),
                signal,
              ),
            );
            if (signal.aborted) return;
            report.fetched++;
            const read = readPage({ url: page.url, today, parser: this.parser() }, outcome);
            const judgeWith = (claims: Claim[]) => ("check" in read ? read.check : compare({ snippet: page.snippet, claims, today }, read.text, read.moved));
            checks = new Map(page.citing.map((c) => [c.key, judgeWith(c.claims)]));
            const overall = judgeWith(page.citing.flatMap((c) => c.claims));
            report.verdicts[overall.verdict]++;
            if (page.note) await this.writeNote(page.note, page.url, overall);
            this.judged.set(page.url, overall);
          }
          settle(page, checks);
        } catch (error) {
          // A page that could not be judged (its note could not be written, say) leaves its blocks unwritten.
          if (!signal.aborted) report.skipped.push({ note: page.note?.path ?? "", what: page.url, detail: error instanceof Error ? error.message : String(error) });
        } finally {
          done++;
          progress(done, work.length, page.url);
        }
      }),
    );
    await Promise.all(writes);
    if (signal.aborted) report.stopped = "You cancelled the check. Pages checked so far are recorded; run it again to go on.";
    return report;
  }

  private async writeNote(note: TFile, url: string, check: SourceCheck): Promise<void> {
    if (!(this.ctx.app.vault.getAbstractFileByPath(note.path) instanceof TFile)) return;
    await this.ctx.app.fileManager.processFrontMatter(note, (fm: Record<string, unknown>) => applySourceCheck(fm, check, url));
  }

  /** Writes a block's marks, found again by id; never when it changed meanwhile or the rewrite would touch its text. */
  private async writeBlock(target: CheckTarget, checks: Map<string, SourceCheck>, report: CheckReport): Promise<void> {
    const { app } = this.ctx;
    const settings = this.ctx.settings();
    const skip = (detail: string) => report.skipped.push({ note: target.file.path, what: `"${cleanWebLine(target.question)}"`, detail });
    await this.notesQueue.run(target.file.path, async () => {
      if (!(app.vault.getAbstractFileByPath(target.file.path) instanceof TFile)) return skip("the note was deleted");
      let written = false;
      let problem = "the answer was deleted";
      await applyToNote(app, target.file, (text) => {
        const found = findBlock(text, target.blockId);
        if (!found) return null;
        if (found.block.askedAt !== target.askedAt) {
          problem = "the answer was refreshed while its sources were checked";
          return null;
        }
        if (found.problems.length) {
          problem = "its hidden metadata line was changed by hand";
          return null;
        }
        const sources: SourceEntry[] = found.block.sources.map((s) => {
          const url = canonicalUrl(s.url);
          const check = url === null ? undefined : checks.get(url);
          return check === undefined ? s : { ...s, check };
        });
        const block = { ...found.block, sources };
        const linkFor = (s: SourceEntry) => this.ctx.sources.linkFor(s, target.file);
        const options: FormatOptions = { fold: currentFold(text, found.from), citationDateFormat: settings.citationDateFormat, linkFor };
        const formatted = formatBlock(block, options);
        // The edit guard: the marks may change plugin lines only, never the answer text as it stands.
        const again = parseBlocks(formatted)[0];
        if (again?.block.answer !== found.block.answer || again.problems.length) {
          problem = "writing the marks would have changed the answer text";
          return null;
        }
        written = true;
        // Nothing new (a recent verdict written again): no edit, no empty undo step.
        if (text.slice(found.from, found.to) === formatted) return null;
        return { from: found.from, to: found.to, text: formatted };
      });
      if (written) report.blocksWritten++;
      else skip(problem);
    });
  }
}

/** One line for a notice: "Sources checked: 3 supported, 1 partly, 1 gone (4 pages fetched, 1 checked recently)." */
export function describeCheckReport(report: CheckReport): string {
  const verdicts = VERDICTS.filter((v) => report.verdicts[v] > 0).map((v) => `${report.verdicts[v]} ${v}`);
  const pages = [`${report.fetched} ${report.fetched === 1 ? "page" : "pages"} fetched`];
  if (report.reused) pages.push(`${report.reused} checked recently`);
  if (report.skipped.length) pages.push(`${report.skipped.length} skipped`);
  const head = verdicts.length ? `Sources checked: ${verdicts.join(", ")}` : "No sources checked";
  return `${head} (${pages.join(", ")}).${report.stopped ? ` ${report.stopped}` : ""}`;
}
