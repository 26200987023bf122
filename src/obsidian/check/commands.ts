// The source-check commands: the answer at the cursor, every answer of this note, of the vault; and the
// per-claim detail of the answer at the cursor. Nothing is fetched unless the user allowed fetching pages.
import { Notice, TFile } from "obsidian";
import type { Editor, MarkdownFileInfo, MarkdownView, Plugin } from "obsidian";
import { parseBlocks } from "../../core/block";
import type { AnswerBlock } from "../../core/block";
import { describeCheckReport, SourceChecker } from "./check-flow";
import type { CheckContext, CheckPlan, CheckReport } from "./check-flow";
import { CheckDetailModal, checkVaultWindow } from "./check-modal";
import { BatchWindow } from "../batch/batch-window";
import { currentText } from "../editing/note-writer";

export const CHECK_COMMAND_IDS = {
  atCursor: "check-sources-at-cursor",
  inNote: "check-sources-in-note",
  inVault: "check-sources-in-vault",
  details: "show-source-check-at-cursor",
} as const;

export interface CheckHost {
  plugin: Plugin;
  context: CheckContext;
  track(job: Promise<unknown>): void;
  /** Running batches; the cancel command and unloading abort them. */
  batches: Set<AbortController>;
}

export const FETCH_OFF_MESSAGE =
  "Checking sources fetches every cited page, which tells those sites your IP address. To allow it, turn on Allow fetching pages in Settings → Perplexity Query → Checking sources.";

export const MOBILE_FETCH_OFF_MESSAGE =
  "Checking sources is off on this device: here pages can only be fetched in a way that follows redirects unseen (also into your local network) and cannot stop a huge page. To check anyway, turn on Allow fetching pages on mobile in Settings → Perplexity Query → Checking sources, or check from the desktop app.";

/** Why pages may not be fetched here, or null when they may. */
function fetchRefusal(host: CheckHost, checker: SourceChecker): string | null {
  const settings = host.context.settings();
  if (!settings.checkSourcesFetch) return FETCH_OFF_MESSAGE;
  if (!checker.fetcher.guarded && !settings.checkSourcesFetchOnMobile) return MOBILE_FETCH_OFF_MESSAGE;
  return null;
}

function fetchAllowed(host: CheckHost, checker: SourceChecker): boolean {
  const refused = fetchRefusal(host, checker);
  if (refused === null) return true;
  new Notice(refused, 15_000);
  return false;
}

function blockAtCursor(editor: Editor): AnswerBlock | null {
  const text = editor.getValue();
  if (!text.includes("^pplx-")) return null;
  const offset = editor.posToOffset(editor.getCursor());
  return parseBlocks(text).find((p) => p.from <= offset && offset <= p.to)?.block ?? null;
}

/** Runs a plan with a progress notice and reports the outcome in one notice. */
async function runWithNotice(host: CheckHost, checker: SourceChecker, plan: CheckPlan): Promise<CheckReport> {
  const controller = new AbortController();
  host.batches.add(controller);
  const progress = plan.pages.length > 1 ? new Notice(`Checking ${plan.pages.length} sources…`, 0) : null;
  try {
    const report = await checker.run(plan, (done, total) => progress?.setMessage(`Checking sources: ${done} of ${total}`), controller.signal);
    const partly = report.verdicts.partly + report.verdicts.moved + report.verdicts.gone + report.verdicts.unknown;
    const details = report.skipped.map((s) => `${s.what}: ${s.detail}`);
    const hint = partly && plan.targets.length === 1 ? "Run Show source check details with the cursor in the answer to see what was not found." : "";
    new Notice([describeCheckReport(report), ...details.slice(0, 5), hint].filter(Boolean).join("\n"), 15_000);
    return report;
  } finally {
    progress?.hide();
    host.batches.delete(controller);
  }
}

/** Checks the sources of one freshly written answer (the "check new answers" setting). */
export function checkNewAnswer(host: CheckHost, file: TFile, blockId: string): void {
  if (!host.context.settings().checkSourcesAuto) return;
  const checker = new SourceChecker(host.context);
  if (fetchRefusal(host, checker) !== null) return;
  host.track(
    (async () => {
      const blocks = checker.blocksOf(await currentText(host.plugin.app, file), blockId);
      if (blocks.length) await runWithNotice(host, checker, await checker.plan([{ file, blocks }]));
    })(),
  );
}

export function registerCheckCommands(host: CheckHost): void {
  const { plugin } = host;
  const checker = new SourceChecker(host.context);

  plugin.addCommand({
    id: CHECK_COMMAND_IDS.atCursor,
    name: "Check the sources of this answer",
    editorCheckCallback: (checking: boolean, editor: Editor, info: MarkdownView | MarkdownFileInfo) => {
      const file = info.file;
      if (!file) return false;
      const block = blockAtCursor(editor);
      if (!block || !block.sources.some((s) => s.cited)) return false;
      if (checking) return true;
      if (!fetchAllowed(host, checker)) return true;
      const blocks = checker.blocksOf(editor.getValue(), block.blockId);
      if (!blocks.length) {
        new Notice("This answer cannot be checked: it is not complete, or its hidden metadata line was changed by hand.", 10_000);
        return true;
      }
      host.track((async () => runWithNotice(host, checker, await checker.plan([{ file, blocks: blocks.slice(0, 1) }])))());
      return true;
    },
  });

  plugin.addCommand({
    id: CHECK_COMMAND_IDS.inNote,
    name: "Check the sources of the answers in this note",
    checkCallback: (checking: boolean) => {
      const file = plugin.app.workspace.getActiveFile();
      if (!(file instanceof TFile) || file.extension !== "md") return false;
      if (checking) return true;
      if (!fetchAllowed(host, checker)) return true;
      host.track(
        (async () => {
          const blocks = checker.blocksOf(await currentText(plugin.app, file));
          if (!blocks.length) {
            new Notice(`No answer in "${file.basename}" cites a source.`, 10_000);
            return;
          }
          await runWithNotice(host, checker, await checker.plan([{ file, blocks }]));
        })(),
      );
      return true;
    },
  });

  plugin.addCommand({
    id: CHECK_COMMAND_IDS.inVault,
    name: "Check the sources of the answers in vault",
    callback: () => {
      if (!fetchAllowed(host, checker)) return;
      host.track(
        (async () => {
          const plan = await checker.planVault();
          new BatchWindow(plugin.app, checkVaultWindow(plan, (progress, signal) => checker.run(plan, progress, signal)), host.batches).open();
        })(),
      );
    },
  });

  plugin.addCommand({
    id: CHECK_COMMAND_IDS.details,
    name: "Show source check details of this answer",
    editorCheckCallback: (checking: boolean, editor: Editor) => {
      const block = blockAtCursor(editor);
      if (!block) return false;
      if (!checking) new CheckDetailModal(plugin.app, block).open();
      return true;
    },
  });
}
