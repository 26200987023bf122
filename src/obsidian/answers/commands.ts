// The answers view's registration and its command, and the sources dashboard command.
import { Notice, TFile, normalizePath } from "obsidian";
import type { Plugin } from "obsidian";
import { DASHBOARD_NAME, sourcesDashboardBase } from "../../core/sources-dashboard";
import { ANSWERS_VIEW_TYPE, AnswersView } from "./answers-view";
import type { AnswersViewHost } from "./answers-view";

export const ANSWERS_COMMAND_ID = "open-answers-view";
export const DASHBOARD_COMMAND_ID = "create-sources-dashboard";

/** `sourceFolder`: where source notes go, as the source linker makes it safe (the dashboard must filter that folder). */
export function registerAnswersView(plugin: Plugin, host: AnswersViewHost, sourceFolder: () => string): void {
  // No references to views are kept (plugin guidelines: "Avoid managing references to custom views"): the
  // workspace has them. Once the plugin unloads, the open ones stop updating.
  plugin.registerView(ANSWERS_VIEW_TYPE, (leaf) => new AnswersView(leaf, host));
  plugin.register(() => {
    for (const leaf of plugin.app.workspace.getLeavesOfType(ANSWERS_VIEW_TYPE)) if (leaf.view instanceof AnswersView) leaf.view.stopUpdates();
  });
  plugin.addCommand({
    id: ANSWERS_COMMAND_ID,
    name: "Open answers view",
    callback: () => void openAnswersView(plugin),
  });
  plugin.addCommand({
    id: DASHBOARD_COMMAND_ID,
    name: "Create sources dashboard",
    callback: () => void createSourcesDashboard(plugin, sourceFolder()),
  });
}

/** Writes the Bases file into the folder of the source notes (never over an existing one) and opens it. */
export async function createSourcesDashboard(plugin: Plugin, folder: string): Promise<void> {
  const { vault, workspace } = plugin.app;
  const path = normalizePath(`${folder}/${DASHBOARD_NAME}`);
  let file = vault.getAbstractFileByPath(path);
  if (file) {
    new Notice(`${path} already exists, so it was left as it is and opened. Delete or rename it to create a fresh one.`, 10_000);
  } else {
    try {
      if (!vault.getAbstractFileByPath(folder)) await vault.createFolder(folder);
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

