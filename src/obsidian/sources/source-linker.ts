// Source notes in the vault: one note per canonical URL, named by its stable ID, shared by
// every answer that cites it; and the links answers use to point at them.
import { TFile, normalizePath } from "obsidian";
import type { App } from "obsidian";
import type { AnswerBlock, SourceEntry } from "../../core/block";
import { canonicalUrl, resolveSourceId } from "../../core/source-id";
import { escapeLinkUrl } from "../../core/sanitize";
import { applyCitation, parseTags, safeFolderPath, sourceNoteBody, sourcesForNotes } from "../../core/source-note";
import type { SearchResult } from "../../core/answer";
import type { PerplexityQuerySettings } from "../../settings";
import { SourceIndex } from "./source-index";

export class SourceLinker {
  readonly index: SourceIndex;

  constructor(
    private readonly app: App,
    private readonly settings: () => PerplexityQuerySettings,
  ) {
    this.index = new SourceIndex(app);
  }

  folder(): string {
    return normalizePath(safeFolderPath(this.settings().sourceFolder));
  }

  /**
   * A function giving each URL of one answer its ID: the hashed ID, lengthened while it is
   * taken by a different source (a note, a non-source file of that name, or another URL of
   * the same answer). Null for URLs that are not http(s).
   */
  idResolver(urls: string[]): (url: string) => string | null {
    const useNotes = this.settings().createSourceNotes;
    if (useNotes) this.index.ensureBuilt();
    const assigned = new Map<string, string>(); // id → canonical URL, within this answer
    const ids = new Map<string, string>(); // canonical URL → id
    const folder = this.folder();
    for (const url of urls) {
      const canonical = canonicalUrl(url);
      if (!canonical || ids.has(canonical)) continue;
      // A URL that already has a note keeps that note's ID, even one lengthened by an old collision.
      const known = useNotes ? this.index.idForUrl(canonical) : null;
      const id = known && !assigned.has(known) ? known : resolveSourceId(url, (candidate) => {
        const owner = assigned.get(candidate) ?? (useNotes ? this.index.urlOfId(candidate) : null);
        if (owner) return owner === canonical ? "same" : "other";
        // A file of that name that is not one of our source notes is never touched.
        if (useNotes && this.app.vault.getAbstractFileByPath(`${folder}/${candidate}.md`)) return "other";
        return "free";
      });
      assigned.set(id, canonical);
      ids.set(canonical, id);
    }
    return (url) => {
      const canonical = canonicalUrl(url);
      return canonical ? (ids.get(canonical) ?? null) : null;
    };
  }

  /** The link an answer shows for a source: to its note when there is one, else to the URL. */
  linkFor(source: SourceEntry, from: TFile): string {
    if (this.settings().createSourceNotes) {
      const canonical = canonicalUrl(source.url);
      const note = canonical ? this.index.noteForUrl(canonical) : null;
      if (note) {
        // The link must read as the ID whatever the user's link settings (paths) or the note's name.
        const plain = this.app.fileManager.generateMarkdownLink(note, from.path);
        if (plain === `[[${source.id}]]`) return plain;
        return this.app.fileManager.generateMarkdownLink(note, from.path, undefined, source.id);
      }
    }
    return this.urlLink(source);
  }

  /** A link to the source's web page that reads as its ID. */
  urlLink(source: SourceEntry): string {
    return `[${source.id}](${escapeLinkUrl(source.url)})`;
  }

  /**
   * Creates or updates the source note of every cited source in the block, up to the cap per answer
   * (core/source-note.ts); resolves with how many notes were made or updated and how many cited sources the
   * cap left without one.
   */
  async recordCitations(block: AnswerBlock, citingFile: TFile, now: Date, results: readonly SearchResult[] = []): Promise<{ noted: number; left: number; created: number }> {
    this.index.ensureBuilt();
    const settings = this.settings();
    const folder = this.folder();
    const citedOn = now.toISOString().slice(0, 10);
    const citedIn = `[[${this.app.metadataCache.fileToLinktext(citingFile, "", true)}]]`;
    const snippets = new Map<string, string>();
    for (const r of results) {
      const canonical = canonicalUrl(r.url);
      if (canonical && r.snippet && !snippets.has(canonical)) snippets.set(canonical, r.snippet);
    }
    const withUrl = block.sources.filter((s) => s.cited && canonicalUrl(s.url) !== null);
    const { noted, left } = sourcesForNotes(withUrl);
    let created = 0;
    for (const source of noted) {
      const canonical = canonicalUrl(source.url)!;
      let note = this.index.noteForUrl(canonical);
      if (!note) {
        await this.ensureFolder(folder);
        const path = `${folder}/${source.id}.md`;
        if (this.app.vault.getAbstractFileByPath(path)) continue; // taken by a file that is not ours
        note = await this.app.vault.create(path, sourceNoteBody({ ...source, snippet: snippets.get(canonical) }));
        created++;
      }
      let written: Record<string, unknown> = {};
      await this.app.fileManager.processFrontMatter(note, (fm: Record<string, unknown>) => {
        applyCitation(fm, { source, citedIn, citedOn, tags: parseTags(settings.sourceTags) });
        written = { ...fm };
      });
      // The metadata cache catches up later; the index must know the note (and its real ID) now.
      this.index.update(note, { frontmatter: written });
    }
    return { noted: noted.length, left, created };
  }

  private async ensureFolder(folder: string): Promise<void> {
    if (!this.app.vault.getAbstractFileByPath(folder)) await this.app.vault.createFolder(folder);
  }

  /** Keeps the index current; call once from onload (registers nothing that scans). */
  register(registerEvent: (ref: ReturnType<App["vault"]["on"]>) => void): void {
    registerEvent(this.app.metadataCache.on("changed", (file, _data, cache) => this.index.update(file, cache)));
    registerEvent(this.app.vault.on("rename", (file, oldPath) => this.index.rename(file, oldPath)));
    registerEvent(
      this.app.vault.on("delete", (file) => {
        if (file instanceof TFile) this.index.remove(file.path);
      }),
    );
  }
}
