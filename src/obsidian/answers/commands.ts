// The answers view's registration and its command, and the sources dashboard command.
import { Notice, TFile, normalizePath } from "obsidian";
import type { Plugin } from "obsidian";
import { DASHBOARD_NAME, sourcesDashboardBase } from "../../core/sources-dashboard";
import { ANSWERS_VIEW_TYPE, AnswersView } from "./answers-view";
import type { AnswersViewHost } from "./answers-view";

export const ANSWERS_COMMAND_ID = "open-answers-view";
export const DASHBOARD_COMMAND_ID = "create-sources-dashboard";

export function registerAnswersView(plugin: Plugin, host: AnswersViewHost): void {
  // Views outlive the plugin until Obsidian replaces them: once it unloads, they stop updating.
  const views = new Set<AnswersView>();
  plugin.registerView(ANSWERS_VIEW_TYPE, (leaf) => {
    const view = new AnswersView(leaf, host);
    views.add(view);
    return view;
  });
  plugin.register(() => {
    for (const view of views) view.stopUpdates();
    views.clear();
  });
  plugin.addCommand({
    id: ANSWERS_COMMAND_ID,
    name: "Open answers view",
    callback: () => void openAnswersView(plugin),
  });
  plugin.addCommand({
    id: DASHBOARD_COMMAND_ID,
    name: "Create sources dashboard",
    callback: () => void createSourcesDashboard(plugin, host.settings().sourceFolder),
  });
}

/** Writes the Bases file next to the source notes (never over an existing one) and opens it. */
export async function createSourcesDashboard(plugin: Plugin, sourceFolder: string): Promise<void> {
  const { vault, workspace } = plugin.app;
  const folder = normalizePath(sourceFolder || "/").replace(/^\/$/, "");
  const path = normalizePath(folder ? `${folder}/${DASHBOARD_NAME}` : DASHBOARD_NAME);
  let file = vault.getAbstractFileByPath(path);
  if (file) {
    new Notice(`${path} already exists, so it was left as it is and opened. Delete or rename it to create a fresh one.`, 10_000);
  } else {
    try {
      if (folder && !vault.getAbstractFileByPath(folder)) await vault.createFolder(folder);
      file = await vault.create(path, sourcesDashboardBase(folder));
      new Notice(`Created ${path}: every source note with its site, how many notes cite it, when it was last cited, updated and checked. It needs the core Bases plugin.`, 10_000);
    } catch (error) {
      new Notice(`The sources dashboard could not be created at ${path}: ${error instanceof Error ? error.message : String(error)}`, 10_000);
      return;
    }
  }
  if (file instanceof TFile) await workspace.getLeaf(true).openFile(file);
}

async function openAnswersView(plugin: Plugin): Promise<void> {
  const { workspace } = plugin.app;
  const leaf = workspace.getLeavesOfType(ANSWERS_VIEW_TYPE)[0] ?? workspace.getRightLeaf(false);
  if (!leaf) return;
  await leaf.setViewState({ type: ANSWERS_VIEW_TYPE, active: true });
  await workspace.revealLeaf(leaf);
}

