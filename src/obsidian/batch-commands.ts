// The "Ask every question in the selection" command.
import { Notice } from "obsidian";
import type { Plugin } from "obsidian";
import type { RateLimiter } from "../core/rate-limiter";
import type { SpendTracker } from "../core/spend";
import type { AskContext } from "./ask-flow";
import { describeBatch, planBatch, runBatch } from "./batch-ask";
import { BatchAskModal } from "./batch-modal";
import { resolveForFile } from "./profile-options";

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
      const controller = new AbortController();
      new BatchAskModal(
        host.context.app,
        plan,
        async (progress) => {
          host.batches.add(controller);
          try {
            const report = await runBatch(host.context, host.limiter(), plan, progress, controller.signal);
            new Notice(describeBatch(report), 15_000);
            return report;
          } finally {
            host.batches.delete(controller);
          }
        },
        () => controller.abort(),
      ).open();
      return true;
    },
  });
}
