// The "Ask every question in the selection" command.
import type { Plugin } from "obsidian";
import type { RateLimiter } from "../../core/rate-limiter";
import type { SpendTracker } from "../../core/spend";
import type { AskContext } from "../ask/ask-flow";
import { planBatch, runBatch } from "./batch-ask";
import { batchAskWindow } from "./batch-modal";
import { BatchWindow } from "./batch-window";
import { resolveForFile } from "../settings/profile-options";

export const BATCH_COMMAND_ID = "ask-questions-in-selection";

export interface BatchHost {
  plugin: Plugin;
  context: AskContext;
  track(job: Promise<unknown>): void;
  batches: Set<AbortController>;
  spend: () => SpendTracker;
  limiter: () => RateLimiter;
}

export function registerBatchCommands(host: BatchHost): void {
  host.plugin.addCommand({
    id: BATCH_COMMAND_ID,
    name: "Ask every question in the selection",
    editorCheckCallback: (checking, editor, info) => {
      const file = info.file;
      if (!file || !editor.somethingSelected()) return false;
      if (checking) return true;
      const resolved = resolveForFile(host.context.app, host.context.settings(), file);
      const plan = planBatch(host.context, host.spend(), editor, file, resolved);
      const spec = batchAskWindow(plan, (progress, signal) => runBatch(host.context, host.limiter(), plan, progress, signal));
      new BatchWindow(host.context.app, spec, host.batches).open();
      return true;
    },
  });
}
