// One command, run as a user would in Obsidian: load the vault folder into the headless runtime, load the
// built plugin, open the note, select text, run the command, confirm its dialog if asked to, wait for it,
// and write every changed note back to the folder, and the plugin's data.json as Obsidian would (the spending
// record lives there). Used by the single-command demo and by each tour step.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseBlocks } from "../../src/core/block";
import { ObsidianRuntime, waitFor } from "../../tests/obsidian-runtime/runtime";
import { readVaultFolder, writeChangedFiles } from "../vault-folder";
import { DemoError, type DemoCommand } from "./args";

export interface CommandRun {
  vault: string;
  note: string;
  command: DemoCommand;
  select?: string;
  /** `select` is the demo's own question, not text given with --select. */
  selectIsDefault?: boolean;
  /** The flag the selection came from, for messages about it. */
  selectFlag?: "--select" | "--select-file";
  /** The follow-up's text, typed into the prompt that ask-follow-up opens. */
  question?: string;
  now?: Date;
  /** Confirm a dialog the command opens (the vault refresh asks before it spends money). */
  yes: boolean;
  platform: "mobile" | "desktop";
  baseUrl: string;
  apiKey: string;
  /** Allow fetching pages, private hosts included (checking sources against the local test web). */
  allowPrivateHosts?: boolean;
  /** Where main.js and manifest.json are. */
  pluginDir: string;
  /** Ask as a background run (preset high) and stop as soon as it has started, as if Obsidian were closed. */
  detach?: boolean;
  /** Told each wait the note's placeholder shows while the command runs (a rate-limit wait), so a run never looks hung. */
  onWait?: (line: string) => void;
}

/** A placeholder's line that says the plugin is waiting (Perplexity's rate limit), as the note shows it. */
const WAIT_LINE = /^> \*(Perplexity is limiting how often you can ask[^*]*)\*$/m;

/** Calls `onWait` with each new wait line the editor's text shows, until `done` settles. */
async function reportWaits(text: () => string, done: Promise<unknown>, onWait: ((line: string) => void) | undefined): Promise<void> {
  if (!onWait) return void (await done);
  let settled = false;
  let last = "";
  void done.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    const line = WAIT_LINE.exec(text())?.[1];
    if (line && line !== last) onWait(line);
    last = line ?? "";
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await done;
}

export interface CommandResult {
  /** Every notice the plugin showed, in order. */
  notices: string[];
  /** What the open dialog said before anything ran (vault refresh, batches), one paragraph a line. */
  dialog: string[];
  /** What the dialog said once the confirmed batch ended. */
  summary: string[];
  /** What a view the command opened shows (the answers view's rows), one line each. */
  view: string[];
  /** Answer blocks that are new or whose text changed. */
  changedBlocks: string[];
  /** Vault paths of the files written back. */
  changedFiles: string[];
  before: Record<string, string>;
  after: Record<string, string>;
  /** Why the command did not do its job; undefined when it did (or had nothing to do). */
  failure?: string;
}

/** Commands that act on the answer block under the cursor, put into the note's last block unless --select places it. */
const AT_LAST_BLOCK: Partial<Record<DemoCommand, string>> = {
  "ask-follow-up": "to follow up",
  "refresh-thread": "whose thread to refresh",
  "show-source-check-at-cursor": "whose source check to show",
};

/** The plugin's windows as the runner reads them (the batch window has isRunning and refusal). */
type ModalLike = { contentEl: HTMLElement; isRunning?: boolean; refusal?: string };

function dialogText(modal: ModalLike): string[] {
  return [...modal.contentEl.querySelectorAll("p, li")].map((el) => (el.tagName === "LI" ? `  - ${el.textContent ?? ""}` : (el.textContent ?? "")));
}

const pluginDataPath = (vault: string) => join(vault, ".obsidian", "plugins", "perplexity-query", "data.json");

/** Settings this runner changes for one run only (where to send, fetching pages, --detach's preset); never saved. */
const RUN_ONLY_SETTINGS = ["baseUrl", "checkSourcesFetch", "checkSourcesFetchOnMobile", "checkSourcesAllowPrivateHosts", "preset", "backgroundRuns"] as const;

/** The demo's working files outside any vault: the emulator's runs, each vault's device storage. */
export const DEMO_STATE_DIR = join(tmpdir(), "perplexity-query-demo.state");

/**
 * Where this device's storage for `vault` is kept between runs (what Obsidian keeps outside the vault: the
 * plugin's device id and the runs it polls), so a later runner is the same device.
 */
function deviceStoragePath(vault: string): string {
  return join(DEMO_STATE_DIR, `device-${createHash("sha256").update(resolve(vault)).digest("hex").slice(0, 16)}.json`);
}

function readDeviceStorage(vault: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(deviceStoragePath(vault), "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function saveDeviceStorage(vault: string, storage: Record<string, unknown>): void {
  mkdirSync(DEMO_STATE_DIR, { recursive: true });
  writeFileSync(deviceStoragePath(vault), JSON.stringify(storage));
}

export function readPluginData(vault: string): unknown {
  const dataPath = pluginDataPath(vault);
  if (!existsSync(dataPath)) return null;
  try {
    return JSON.parse(readFileSync(dataPath, "utf8"));
  } catch (error) {
    throw new DemoError(`${dataPath} is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix or delete it`);
  }
}

/** Writes data.json as the settings tab saves it: `update` gets the settings read from the file (or {}). */
export function updatePluginData(vault: string, update: (data: Record<string, unknown>) => void): void {
  const read = readPluginData(vault);
  const data = typeof read === "object" && read !== null && !Array.isArray(read) ? (read as Record<string, unknown>) : {};
  update(data);
  const dataPath = pluginDataPath(vault);
  mkdirSync(dirname(dataPath), { recursive: true });
  writeFileSync(dataPath, `${JSON.stringify(data, null, 2)}\n`);
}

/** Keeps what the plugin saved during the run (its spending record, say), less this run's own overrides. */
function savePluginData(vault: string, loaded: unknown, saved: unknown): void {
  if (typeof saved !== "object" || saved === null || JSON.stringify(saved) === JSON.stringify(loaded)) return;
  const original = (typeof loaded === "object" && loaded !== null ? loaded : {}) as Record<string, unknown>;
  updatePluginData(vault, (data) => {
    for (const key of Object.keys(data)) delete data[key];
    Object.assign(data, saved);
    for (const key of RUN_ONLY_SETTINGS) {
      if (key in original) data[key] = original[key];
      else delete data[key];
    }
  });
}

export function checkVaultFolder(vault: string): void {
  if (!existsSync(vault)) throw new DemoError(`no vault folder at ${vault}`);
  if (!statSync(vault).isDirectory()) throw new DemoError(`${vault} is a file, not a vault folder`);
}

export async function runCommand(run: CommandRun): Promise<CommandResult> {
  checkVaultFolder(run.vault);
  const pluginData = readPluginData(run.vault);
  const before = readVaultFolder(run.vault);
  if (before[run.note] === undefined) throw new DemoError(`no note "${run.note}" in ${run.vault}`);
  const runtime = new ObsidianRuntime({ files: before, pluginData, platform: run.platform, localStorage: readDeviceStorage(run.vault) });
  try {
    const plugin = await runtime.loadPlugin(join(run.pluginDir, "main.js"), join(run.pluginDir, "manifest.json"));
    const settings = plugin.settings as { apiKeySecret: string; baseUrl: string; preset: string; backgroundRuns: string };
    // The key goes into the runtime's secret storage, never into data.json.
    runtime.app.secretStorage.setSecret(settings.apiKeySecret, run.apiKey);
    settings.baseUrl = run.baseUrl; // for this run only: not saved to data.json (RUN_ONLY_SETTINGS)
    if (run.detach) Object.assign(settings, { preset: "high", backgroundRuns: "deep" });
    // The demo's own local web: fetching allowed for this run, also on its default mobile platform.
    if (run.allowPrivateHosts) Object.assign(plugin.settings, { checkSourcesFetch: true, checkSourcesFetchOnMobile: true, checkSourcesAllowPrivateHosts: true });
    if (run.now) {
      const fixed = run.now.getTime();
      plugin.clock = { now: () => new Date(fixed) };
    }
    const view = await runtime.openNote(run.note);
    if (run.select !== undefined) {
      const text = view.editor.getValue();
      const at = text.indexOf(run.select);
      if (at < 0 && run.selectIsDefault) {
        throw new DemoError(`${join(run.vault, run.note)} does not contain the demo's question, which ${run.command} asks when --select is left out; give the text to ask with --select TEXT`);
      }
      if (at < 0) throw new DemoError(`the text to select (${run.selectFlag ?? "--select"}) was not found in ${join(run.vault, run.note)}`);
      view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + run.select.length));
    } else if (AT_LAST_BLOCK[run.command] !== undefined) {
      // The cursor goes into the note's last answer block (its metadata line).
      const text = view.editor.getValue();
      const last = parseBlocks(text).at(-1);
      if (!last) throw new DemoError(`${join(run.vault, run.note)} has no answer block ${AT_LAST_BLOCK[run.command]}; ask a question first`);
      view.editor.setCursor(view.editor.offsetToPos(text.lastIndexOf("%% pplx", last.to)));
    }
    const earlier = new Set(parseBlocks(view.editor.getValue()).map((p) => p.block.blockId));
    if (!runtime.runCommand(run.command)) {
      const needs = run.command === "refresh-at-cursor" || run.command === "show-source-check-at-cursor" ? "the selection (--select) inside an answer block" : "selected text (--select)";
      throw new DemoError(`${run.command} is not available here: it needs ${needs}`);
    }
    const idle = () => (plugin as unknown as { idle(): Promise<void> }).idle();
    if (run.detach) {
      // Stop as soon as the new placeholder records its run (or the ask ended some other way): as if Obsidian closed.
      let done = false;
      void idle().then(() => (done = true));
      const started = () => parseBlocks(view.editor.getValue()).some((p) => !earlier.has(p.block.blockId) && p.block.state === "pending" && p.block.responseId);
      await waitFor(() => done || started(), 60_000, "the background run to start");
    } else await reportWaits(() => view.editor.getValue(), idle(), run.onWait);
    if (run.command === "ask-follow-up") {
      // The command opens the follow-up prompt: type the question into it and press Ask, as the user would.
      const prompt = runtime.openModals.at(-1) as unknown as { question: string; submit(): void } | undefined;
      if (!prompt) throw new DemoError(runtime.notices.at(-1) ?? "ask-follow-up opened no prompt");
      prompt.question = run.question ?? "";
      prompt.submit();
      await idle();
    }

    let dialog: string[] = [];
    let summary: string[] = [];
    const shown = run.command === "open-answers-view" ? await answersViewLines(runtime) : [];
    let unconfirmed = false;
    // A dialog that offers nothing to confirm: why nothing can run (a spending cap reached, nothing to ask).
    let refusal: string | undefined;
    const modal = run.command === "ask-follow-up" ? undefined : (runtime.openModals.at(-1) as ModalLike | undefined);
    if (modal) {
      dialog = dialogText(modal);
      const confirm = modal.contentEl.querySelector<HTMLButtonElement>("button.mod-cta");
      if (confirm && run.yes) {
        confirm.click(); // what the user's click does: the batch runs in the dialog
        while (modal.isRunning) await new Promise((resolve) => setTimeout(resolve, 10));
        await idle();
        summary = dialogText(modal);
      } else if (confirm) {
        unconfirmed = true;
      } else {
        // Nothing to confirm: the window's first line says why ("No questions to ask in the selection."), unless
        // the window is the answer itself (the source check details).
        if (run.command !== "show-source-check-at-cursor") refusal = modal.refusal ?? (isNothingToDo(dialog) ? undefined : dialog[0]);
      }
    }

    const after = await runtime.snapshot();
    const changedFiles = writeChangedFiles(run.vault, before, after);
    const textBefore = before[run.note] ?? "";
    const noteAfter = after[run.note] ?? "";
    const oldBlocks = new Set(parseBlocks(textBefore).map((p) => textBefore.slice(p.from, p.to)));
    const changedBlocks = parseBlocks(noteAfter)
      .map((p) => noteAfter.slice(p.from, p.to))
      .filter((blockText) => !oldBlocks.has(blockText));
    const notices = [...runtime.notices];
    const failure = refusal ?? failureOf(run.command, notices, dialog, changedBlocks, unconfirmed, changedFiles);
    return { notices, dialog, summary, view: shown, changedBlocks, changedFiles, before, after, failure };
  } finally {
    await runtime.unloadPlugin();
    savePluginData(run.vault, pluginData, runtime.data);
    saveDeviceStorage(run.vault, runtime.localStorage());
  }
}

export interface ResumeRun {
  vault: string;
  platform: "mobile" | "desktop";
  baseUrl: string;
  apiKey: string;
  pluginDir: string;
  now?: Date;
}

export interface ResumeResult {
  notices: string[];
  /** Background runs of this device still going at Perplexity: question and note. */
  pending: { question: string; path: string }[];
  changedBlocks: string[];
  changedFiles: string[];
}

/**
 * `--command resume-pending`: loads the vault as Obsidian starting would (same device), lets the plugin find
 * its pending background runs after layout-ready and poll each once, so every finished run lands; reports the
 * runs still going, writes the changed notes back, and stops.
 */
export async function resumePending(run: ResumeRun): Promise<ResumeResult> {
  checkVaultFolder(run.vault);
  const pluginData = readPluginData(run.vault);
  const before = readVaultFolder(run.vault);
  const runtime = new ObsidianRuntime({ files: before, pluginData, platform: run.platform, localStorage: readDeviceStorage(run.vault) });
  try {
    const plugin = await runtime.loadPlugin(join(run.pluginDir, "main.js"), join(run.pluginDir, "manifest.json"));
    const settings = plugin.settings as { apiKeySecret: string; baseUrl: string };
    runtime.app.secretStorage.setSecret(settings.apiKeySecret, run.apiKey);
    settings.baseUrl = run.baseUrl;
    if (run.now) {
      const fixed = run.now.getTime();
      plugin.clock = { now: () => new Date(fixed) };
    }
    type Background = { list(): { question: string; path: string; polls: number }[] };
    const loaded = plugin as unknown as { resuming: Promise<unknown> | null; background: Background; idle(): Promise<void> };
    await waitFor(() => loaded.resuming !== null, 10_000, "the search for pending runs");
    await loaded.resuming;
    // Each run found is polled at once: a finished one lands and leaves the list, one still going is counted once polled.
    await waitFor(() => loaded.background.list().every((r) => r.polls > 0), 60_000, "every pending run to be checked").catch(() => undefined);
    const pending = loaded.background.list().map((r) => ({ question: r.question, path: r.path }));
    const after = await runtime.snapshot();
    const changedFiles = writeChangedFiles(run.vault, before, after);
    const changedBlocks = changedFiles.flatMap((path) => {
      const old = new Set(parseBlocks(before[path] ?? "").map((p) => (before[path] ?? "").slice(p.from, p.to)));
      const text = after[path] ?? "";
      return parseBlocks(text).map((p) => text.slice(p.from, p.to)).filter((b) => !old.has(b));
    });
    return { notices: [...runtime.notices], pending, changedBlocks, changedFiles };
  } finally {
    await runtime.unloadPlugin();
    savePluginData(run.vault, pluginData, runtime.data);
    saveDeviceStorage(run.vault, runtime.localStorage());
  }
}

/**
 * What the command showed, in the order the user saw it: the dialog before anything ran, the notices, then the
 * dialog's summary (less what a notice already said). The failure is left out unless asked for: it is said once.
 */
export function printOutcome(result: CommandResult, print: (line: string) => void, withFailure = false): void {
  for (const line of result.dialog) if (withFailure || line !== result.failure) print(`Dialog: ${line}`);
  for (const notice of result.notices) if (withFailure || notice !== result.failure) print(`Notice: ${notice}`);
  for (const line of result.summary) if (!result.notices.includes(line)) print(`Dialog: ${line}`);
  for (const line of result.view) print(`View: ${line}`);
}

/** Nothing was stale (said in a notice, or in the vault refresh's dialog): not a failure, nothing to do. */
export const isNothingStale = (lines: string[]): boolean => lines.some((n) => n.startsWith("No stale answers"));

/**
 * Nothing stale, every stale answer skipped for a reason the notice gives (you edited it, say), or every question
 * of a batch already answered: nothing to do, which is not a failure.
 */
const isNothingToDo = (lines: string[]): boolean =>
  isNothingStale(lines) || lines.some((n) => n.startsWith("Nothing refreshed in") || n.startsWith("Every question in the selection already has its answer"));

/** The answers view the command opened, as its rows read: the count line, then one line per answer. */
async function answersViewLines(runtime: ObsidianRuntime): Promise<string[]> {
  const leaf = () => runtime.app.workspace.getLeavesOfType("perplexity-answers")[0] as unknown as { view: { contentEl: HTMLElement } | null } | undefined;
  const drawn = () => leaf()?.view?.contentEl.querySelector("p.setting-item-description") != null;
  await waitFor(drawn, 10_000, "the answers view").catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the view draws once per burst of vault events
  const el = leaf()?.view?.contentEl;
  if (!el) return [];
  const count = el.querySelector("p.setting-item-description")?.textContent ?? "";
  const rows = [...el.querySelectorAll(".perplexity-answers-row")].map((row) => {
    const question = row.querySelector(".perplexity-answers-question")?.textContent ?? "";
    const details = row.querySelector(".setting-item-description")?.textContent ?? "";
    return `${question} (${details})`;
  });
  return [count, ...rows].filter(Boolean);
}

/** What the confirmation a command asks for is about, for the message that says it was not given. */
const CONFIRMS: Partial<Record<DemoCommand, string>> = {
  "check-sources-in-vault": "asks before it fetches the cited pages",
};

function failureOf(command: DemoCommand, notices: string[], dialog: string[], changedBlocks: string[], unconfirmed: boolean, changedFiles: string[]): string | undefined {
  const last = notices.at(-1);
  if (unconfirmed) return `${command} ${CONFIRMS[command] ?? "asks before it spends money"} (its dialog is above); run it again with --yes to confirm`;
  if (isNothingToDo([...notices, ...dialog])) return undefined;
  if (command === "link-citations") return last?.startsWith("Citations could not be linked") || last?.startsWith("No Perplexity answers") ? last : undefined;
  if (command === "open-answers-view") return undefined;
  if (command === "create-sources-dashboard") return changedFiles.some((p) => p.endsWith(".base")) || last?.includes("already exists") ? undefined : (last ?? "no dashboard was written");
  if (command === "show-source-check-at-cursor") return dialog.length ? undefined : (last ?? "no source check details were shown");
  if (command.startsWith("refresh")) {
    if (isNothingStale([...notices, ...dialog])) return undefined;
    if (last && /\bfailed\b|Stopped early/.test(last)) return last;
    if (changedBlocks.length) return undefined;
  } else if (changedBlocks.length) {
    return undefined;
  }
  return last ?? `${command} wrote no answer block`;
}
