// Source notes in the vault: one note per canonical URL, named by its stable ID, shared by
// every answer that cites it. An index (canonical URL → note, ID → note) is built on first
// use from the metadata cache and kept current from vault events, so finding a source's note
// is a map lookup, never a scan per citation.
import { TFile, normalizePath } from "obsidian";
import type { App, CachedMetadata, TAbstractFile } from "obsidian";
import type { AnswerBlock, SourceEntry } from "../core/block";
import { canonicalUrl, resolveSourceId } from "../core/source-id";
import { applyCitation, escapeDestination, parseTags, safeFolderPath, sourceNoteBody } from "../core/source-note";
import type { SearchResult } from "../perplexity/types";
import type { PerplexityQuerySettings } from "../settings";

interface IndexedSource {
  path: string;
  canonical: string;
  id: string;
}

export class SourceIndex {
  private byUrl = new Map<string, IndexedSource>();
  private byId = new Map<string, IndexedSource>();
  private byPath = new Map<string, IndexedSource>();
  private built = false;

  constructor(private readonly app: App) {}

  /** Builds the index from the metadata cache the first time it is needed. */
  ensureBuilt(): void {
    if (this.built) return;
    this.built = true;
    for (const file of this.app.vault.getMarkdownFiles()) this.update(file, this.app.metadataCache.getFileCache(file));
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Re-reads one note's entry (after it changed or was created). */
  update(file: TFile, cache: CachedMetadata | null): void {
    this.remove(file.path);
    const fm = cache?.frontmatter;
    const url = typeof fm?.url === "string" ? fm.url : null;
    const id = typeof fm?.source_id === "string" ? fm.source_id.toLowerCase() : null;
    const canonical = url ? canonicalUrl(url) : null;
    if (!canonical || !id) return;
    const entry = { path: file.path, canonical, id };
    this.byPath.set(file.path, entry);
    if (!this.byUrl.has(canonical)) this.byUrl.set(canonical, entry);
    if (!this.byId.has(id)) this.byId.set(id, entry);
  }

  remove(path: string): void {
    const entry = this.byPath.get(path);
    if (!entry) return;
    this.byPath.delete(path);
    if (this.byUrl.get(entry.canonical) === entry) this.byUrl.delete(entry.canonical);
    if (this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
  }

  rename(file: TAbstractFile, oldPath: string): void {
    const entry = this.byPath.get(oldPath);
    if (!entry) return;
    this.byPath.delete(oldPath);
    entry.path = file.path;
    this.byPath.set(file.path, entry);
  }

  noteForUrl(canonical: string): TFile | null {
    const entry = this.byUrl.get(canonical);
    return entry ? this.app.vault.getFileByPath(entry.path) : null;
  }

  urlOfId(id: string): string | null {
    return this.byId.get(id)?.canonical ?? null;
  }
}

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
      const id = resolveSourceId(url, (candidate) => {
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
      // The alias keeps the link reading as the ID even after the user renames the note.
      if (note) return this.app.fileManager.generateMarkdownLink(note, from.path, undefined, note.basename === source.id ? undefined : source.id);
    }
    return this.urlLink(source);
  }

  /** A link to the source's web page that reads as its ID. */
  urlLink(source: SourceEntry): string {
    return `[${source.id}](${escapeDestination(source.url)})`;
  }

  /** Creates or updates the source note of every cited source in the block. */
  async recordCitations(block: AnswerBlock, citingFile: TFile, now: Date, results: readonly SearchResult[] = []): Promise<void> {
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
    for (const source of block.sources) {
      const canonical = canonicalUrl(source.url);
      if (!canonical || !source.cited) continue;
      let note = this.index.noteForUrl(canonical);
      if (!note) {
        await this.ensureFolder(folder);
        const path = `${folder}/${source.id}.md`;
        if (this.app.vault.getAbstractFileByPath(path)) continue; // taken by a file that is not ours
        note = await this.app.vault.create(path, sourceNoteBody({ ...source, snippet: snippets.get(canonical) }));
      }
      await this.app.fileManager.processFrontMatter(note, (fm: Record<string, unknown>) =>
        applyCitation(fm, { source, citedIn, citedOn, tags: parseTags(settings.sourceTags) }),
      );
      // The metadata cache catches up later; the index must know the note now.
      this.index.update(note, { frontmatter: { url: source.url, source_id: source.id } });
    }
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
