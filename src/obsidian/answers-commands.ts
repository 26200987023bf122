// The answers view's registration and its command.
import type { Plugin } from "obsidian";
import { ANSWERS_VIEW_TYPE, AnswersView } from "./answers-view";
import type { AnswersViewHost } from "./answers-view";

export const ANSWERS_COMMAND_ID = "open-answers-view";

export function registerAnswersView(plugin: Plugin, host: AnswersViewHost): void {
  plugin.registerView(ANSWERS_VIEW_TYPE, (leaf) => new AnswersView(leaf, host));
  plugin.addCommand({
    id: ANSWERS_COMMAND_ID,
    name: "Open answers view",
    callback: () => void openAnswersView(plugin),
  });
}

async function openAnswersView(plugin: Plugin): Promise<void> {
  const { workspace } = plugin.app;
  const leaf = workspace.getLeavesOfType(ANSWERS_VIEW_TYPE)[0] ?? workspace.getRightLeaf(false);
  if (!leaf) return;
  await leaf.setViewState({ type: ANSWERS_VIEW_TYPE, active: true });
  await workspace.revealLeaf(leaf);
}

