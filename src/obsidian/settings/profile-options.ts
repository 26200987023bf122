// Profiles' glue: the options for a question in a note (its properties from the metadata cache, its folder),
// and folder attachments that follow a folder renamed or deleted in the vault.
import { Notice, TFolder } from "obsidian";
import type { App, Plugin, TFile } from "obsidian";
import { indexProfiles, moveFolder, resolveOptions } from "../../core/profiles";
import type { ResolvedOptions } from "../../core/profiles";
import type { PerplexityQuerySettings } from "../../settings";

export function resolveForFile(app: App, settings: PerplexityQuerySettings, file: TFile): ResolvedOptions {
  const frontmatter = app.metadataCache.getFileCache(file)?.frontmatter;
  return resolveOptions(settings, indexProfiles(settings.profiles), file.path, frontmatter);
}

/** One notice for what could not be used; nothing of it is sent. */
export function noticeProblems(resolved: ResolvedOptions): void {
  if (!resolved.problems.length) return;
  new Notice(`${resolved.problems.join("\n")}\nThe folder profile's or the settings' value is used instead.`, 15_000);
}

/** Keeps folder attachments right when folders are renamed or deleted. */
export function trackProfileFolders(plugin: Plugin, settings: () => PerplexityQuerySettings, save: () => Promise<void>): void {
  const update = (from: string, to: string | null) => {
    if (!settings().profiles.some((p) => p.folders.length)) return;
    const changed = moveFolder(settings().profiles, from, to);
    if (!changed.length) return;
    void save();
    new Notice(`Perplexity Query: ${changed.join("; ")}.`, 10_000);
  };
  plugin.registerEvent(plugin.app.vault.on("rename", (file, oldPath) => file instanceof TFolder && update(oldPath, file.path)));
  plugin.registerEvent(plugin.app.vault.on("delete", (file) => file instanceof TFolder && update(file.path, null)));
}
