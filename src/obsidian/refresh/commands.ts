// The refresh commands: the block at the cursor, the stale blocks of this note, of the vault.
import { Notice, TFile } from "obsidian";
import type { Plugin } from "obsidian";
import { BLOCK_ID_PREFIX, parseBlocks } from "../../core/block";
import { Refresher, describeReport } from "./refresh-flow";
import type { RefreshContext, RefreshReport, RefreshTarget } from "./refresh-flow";
import { refreshVaultWindow } from "./refresh-modal";
import { BatchWindow } from "../batch/batch-window";
import { currentText } from "../editing/note-writer";
import { plural } from "../../core/plural";
import { batchCapNote } from "../../core/spend";
import type { SpendTracker } from "../../core/spend";
import { cleanWebLine } from "../../core/web-text";

export const REFRESH_COMMAND_IDS = {
  atCursor: "refresh-at-cursor",
  inNote: "refresh-stale-in-note",
  inVault: "refresh-stale-in-vault",
} as const;

export interface RefreshHost {
  plugin: Plugin;
  context: RefreshContext;
  track(job: Promise<unknown>): void;
  /** Running batches; the cancel command and unloading abort them. */
  batches: Set<AbortController>;
  /** The spending record, to say before a batch whether a cap will stop it. */
  spend?: () => SpendTracker;
}

/** Runs a batch with a progress notice, and reports the outcome in one notice. */
export async function runWithNotice(host: RefreshHost, refresher: Refresher, targets: RefreshTarget[], skipped: RefreshReport["skipped"]): Promise<RefreshReport> {
  const controller = new AbortController();
  host.batches.add(controller);
  const progress = targets.length > 1 ? new Notice(`Refreshing ${targets.length} answers…`, 0) : null;
  try {
    const report = await refresher.run(targets, (done, total, note) => progress?.setMessage(`Refreshing answers: ${done} of ${total} (${note})`), controller.signal, skipped);
    const details = [...report.skipped, ...report.failed].map((i) => `"${cleanWebLine(i.question)}": ${i.detail ?? ""}`);
    new Notice([describeReport(report), ...details.slice(0, 5), details.length > 5 ? `…and ${details.length - 5} more.` : ""].filter(Boolean).join("\n"), 15_000);
    return report;
  } finally {
    progress?.hide();
    host.batches.delete(controller);
  }
}

/** Refreshes one block of a note, whatever its age (the answers view's Refresh button). */
export async function refreshBlock(host: RefreshHost, refresher: Refresher, file: TFile, blockId: string): Promise<void> {
  const plan = refresher.planNote(file, await currentText(host.plugin.app, file), { blockId });
  if (!plan.targets.length) {
    new Notice(`This answer was not refreshed: ${plan.skipped[0]?.detail ?? "it is no longer in the note"}.`, 10_000);
    return;
  }
  await runWithNotice(host, refresher, plan.targets.slice(0, 1), []);
}

function activeMarkdownFile(host: RefreshHost): TFile | null {
  const file = host.plugin.app.workspace.getActiveFile();
  return file instanceof TFile && file.extension === "md" ? file : null;
}

/** Registers the refresh commands; returns their refresher, shared with the thread commands. */
export function registerRefreshCommands(host: RefreshHost): Refresher {
  const { plugin } = host;
  const refresher = new Refresher(host.context);

  plugin.addCommand({
    id: REFRESH_COMMAND_IDS.atCursor,
    name: "Refresh this answer",
    editorCheckCallback: (checking, editor, info) => {
      const file = info.file;
      if (!file) return false;
      const text = editor.getValue();
      // Cheap test first: the palette asks on every keystroke, a note without answers is common.
      if (!text.includes("^pplx-")) return false;
      const offset = editor.posToOffset(editor.getCursor());
      const blocks = parseBlocks(text);
      const block = blocks.find((p) => p.from <= offset && offset <= p.to);
      if (!block) return false;
      if (checking) return true;
      if (blocks.find((p) => p.block.blockId === block.block.blockId) !== block) {
        new Notice("This answer is a copy of another one in this note (same block ID), so it cannot be refreshed on its own. Refresh the first copy, or delete this copy's ^pplx- line to keep it as plain text.", 10_000);
        return true;
      }
      const plan = refresher.planNote(file, text, { blockId: block.block.blockId });
      if (!plan.targets.length) {
        new Notice(`This answer was not refreshed: ${plan.skipped[0]?.detail ?? "it cannot be refreshed"}.`, 10_000);
        return true;
      }
      // Written into this editor while it holds the block, also when it is no markdown tab (Canvas, popover).
      const targets = plan.targets.slice(0, 1).map((t) => ({ ...t, origin: { editor, mark: `^${BLOCK_ID_PREFIX}${t.blockId}` } }));
      host.track(runWithNotice(host, refresher, targets, []));
      return true;
    },
  });

  plugin.addCommand({
    id: REFRESH_COMMAND_IDS.inNote,
    name: "Refresh stale answers in this note",
    checkCallback: (checking) => {
      const file = activeMarkdownFile(host);
      if (!file) return false;
      if (checking) return true;
      host.track(
        (async () => {
          const text = await currentText(plugin.app, file);
          const plan = refresher.planNote(file, text);
          for (const problem of plan.problems) new Notice(problem, 15_000);
          if (!plan.targets.length) {
            // Stale answers that were all skipped are not "no stale answers": say which, and why.
            const message = plan.skipped.length
              ? `Nothing refreshed in "${file.basename}": ${plural(plan.skipped.length, "stale answer was", "stale answers were")} skipped because ${plan.skipped.map((s) => s.detail).join("; ")}.`
              : `No stale answers to refresh in "${file.basename}".`;
            new Notice(message, 10_000);
            return;
          }
          await runWithNotice(host, refresher, plan.targets, plan.skipped);
        })(),
      );
      return true;
    },
  });

  plugin.addCommand({
    id: REFRESH_COMMAND_IDS.inVault,
    name: "Refresh stale answers in vault",
    callback: () => {
      host.track(
        (async () => {
          const plan = await refresher.planVault();
          const settings = host.context.settings();
          const spend = host.spend?.();
          const perAnswer = plan.cost.known ? plan.cost.total / plan.cost.known : undefined;
          const capNote = spend
            ? batchCapNote(spend.ledger, host.context.now(), { monthlyUsd: settings.monthlyCapUsd, batchUsd: settings.batchCapUsd }, spend.inFlightUsd, perAnswer, plan.targets.length, "answers")
            : null;
          const spec = refreshVaultWindow(plan, (progress, signal) => refresher.run(plan.targets, progress, signal, plan.skipped), capNote);
          new BatchWindow(plugin.app, spec, host.batches).open();
        })(),
      );
    },
  });
  return refresher;
}
