// Which notes are source notes: canonical URL → notes and source ID → notes, built once from the
// metadata cache on first use and kept current from vault events, so a lookup is a map access,
// never a scan per citation. Several notes may claim one URL or ID (a copy, a sync that creates
// before it deletes): all are kept, and the first one still present answers.
import type { App, CachedMetadata, TAbstractFile, TFile } from "obsidian";
import { canonicalUrl } from "../../core/source-id";

interface IndexedSource {
  path: string;
  canonical: string;
  id: string;
}

function addTo(map: Map<string, IndexedSource[]>, key: string, entry: IndexedSource): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function removeFrom(map: Map<string, IndexedSource[]>, key: string, entry: IndexedSource): void {
  const list = map.get(key)?.filter((e) => e !== entry);
  if (list?.length) map.set(key, list);
  else map.delete(key);
}

export class SourceIndex {
  private readonly byUrl = new Map<string, IndexedSource[]>();
  private readonly byId = new Map<string, IndexedSource[]>();
  private readonly byPath = new Map<string, IndexedSource>();
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

  /** Re-reads one note's entry from its properties (after it changed or was created). */
  update(file: TFile, cache: Pick<CachedMetadata, "frontmatter"> | null): void {
    this.remove(file.path);
    const fm = cache?.frontmatter;
    const url = typeof fm?.url === "string" ? fm.url : null;
    const id = typeof fm?.source_id === "string" ? fm.source_id.trim().toLowerCase() : null;
    const canonical = url ? canonicalUrl(url) : null;
    if (!canonical || !id) return;
    const entry = { path: file.path, canonical, id };
    this.byPath.set(file.path, entry);
    addTo(this.byUrl, canonical, entry);
    addTo(this.byId, id, entry);
  }

  remove(path: string): void {
    const entry = this.byPath.get(path);
    if (!entry) return;
    this.byPath.delete(path);
    removeFrom(this.byUrl, entry.canonical, entry);
    removeFrom(this.byId, entry.id, entry);
  }

  rename(file: TAbstractFile, oldPath: string): void {
    const entry = this.byPath.get(oldPath);
    if (!entry) return;
    this.byPath.delete(oldPath);
    entry.path = file.path;
    this.byPath.set(file.path, entry);
  }

  noteForUrl(canonical: string): TFile | null {
    const entry = this.byUrl.get(canonical)?.[0];
    return entry ? this.app.vault.getFileByPath(entry.path) : null;
  }

  /** The ID the note of this URL already has (kept even if a longer one was needed once). */
  idForUrl(canonical: string): string | null {
    return this.byUrl.get(canonical)?.[0]?.id ?? null;
  }

  urlOfId(id: string): string | null {
    return this.byId.get(id)?.[0]?.canonical ?? null;
  }
}
