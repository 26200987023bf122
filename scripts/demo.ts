// The headless runner: loads a vault folder into the Obsidian runtime, loads the built
// plugin, opens a note, selects text, runs a command, waits for it, and writes every changed
// file back. `npm run demo` runs it on demo-vault/ against the bundled emulator.
import "../tests/obsidian-runtime/node-globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseBlocks } from "../src/core/block";
import { ObsidianRuntime } from "../tests/obsidian-runtime/runtime";
import { readVaultFolder, writeChangedFiles } from "./vault-folder";

const SEED_QUESTION =
  'Who are the major "Layer 1" AI model creators, vendors, and API s. As of today, how much "traction" does each player have?';

function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(1);
}

const OPTIONS = {
  vault: { type: "string", default: "demo-vault" },
  note: { type: "string", default: "The AI Model Wars.md" },
  select: { type: "string" },
  command: { type: "string", default: "ask-selection" },
  "base-url": { type: "string" },
  now: { type: "string" },
  platform: { type: "string", default: "mobile" },
  yes: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

function parseFlags() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
}
const values = parseFlags();

if (values.help) {
  console.log(`Usage: npm run demo -- [--vault DIR] [--note PATH] [--select TEXT] [--command ID] [--yes] [--base-url URL] [--now ISO-TIME] [--platform mobile|desktop]
Without --base-url and without PERPLEXITY_API_KEY the bundled Perplexity emulator answers.`);
  process.exit(0);
}

async function main(): Promise<void> {
  const vault = values.vault;
  const notePath = values.note;
  if (!existsSync(vault)) fail(`no vault folder at ${vault}`);
  const key = process.env.PERPLEXITY_API_KEY?.trim();
  let baseUrl = values["base-url"];
  let stopEmulator: (() => Promise<void>) | undefined;
  if (!baseUrl && !key) {
    const { startEmulator } = await import("../tests/emulator/server");
    const emulator = await startEmulator();
    baseUrl = emulator.baseUrl;
    stopEmulator = () => emulator.close();
    console.log(`No PERPLEXITY_API_KEY: using the Perplexity emulator at ${baseUrl}`);
  } else if (key && !baseUrl) {
    console.log("Using PERPLEXITY_API_KEY against api.perplexity.ai: this request is billed to that key.");
  }
  if (values.command === "ask") fail('"ask" opens a prompt, which the headless runner cannot type into; use --command ask-selection with --select TEXT');
  let now: Date | undefined;
  if (values.now) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime())) fail(`--now "${values.now}" is not an ISO date-time`);
  }

  const dataPath = join(vault, ".obsidian", "plugins", "perplexity-query", "data.json");
  const pluginData: unknown = existsSync(dataPath) ? JSON.parse(readFileSync(dataPath, "utf8")) : null;
  const before = readVaultFolder(vault);
  if (values.platform !== "mobile" && values.platform !== "desktop") fail(`--platform must be mobile or desktop, not "${values.platform}"`);
  // desktop: answers stream over Node's http/https, as in Obsidian's desktop app; mobile: requestUrl.
  const runtime = new ObsidianRuntime({ files: before, pluginData, platform: values.platform });
  try {
    const plugin = await runtime.loadPlugin("main.js", "manifest.json");
    const settings = plugin.settings as { apiKeySecret: string; baseUrl: string };
    // The key goes into the runtime's secret storage, never into data.json.
    runtime.app.secretStorage.setSecret(settings.apiKeySecret, key ?? "emulator-demo-key");
    if (baseUrl) settings.baseUrl = baseUrl; // for this run only: data.json is not written back
    if (now) {
      const fixed = now;
      plugin.clock = { now: () => new Date(fixed.getTime()) };
    }
    if (!runtime.app.vault.getFileByPath(notePath)) fail(`no note ${notePath} in ${vault}`);
    const view = await runtime.openNote(notePath);
    const text = view.editor.getValue();
    const selection = values.select ?? (values.command === "ask-selection" ? SEED_QUESTION : undefined);
    if (selection !== undefined) {
      const at = text.indexOf(selection);
      if (at < 0) fail(`the text to select was not found in ${notePath}`);
      view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + selection.length));
    }
    if (!runtime.commandIds().includes(values.command)) fail(`unknown command "${values.command}"; commands: ${runtime.commandIds().join(", ")}`);
    if (!runtime.runCommand(values.command)) fail(`command "${values.command}" is not available here (is text selected?)`);
    await (plugin as unknown as { idle(): Promise<void> }).idle();
    // Commands that spend on many questions show a confirmation window first (count, estimate): print it, and
    // confirm only with --yes.
    const confirm = runtime.openModals.at(-1) as unknown as { contentEl: HTMLElement; run?: () => Promise<unknown> } | undefined;
    if (typeof confirm?.run === "function") {
      const lines = () => Array.from(confirm.contentEl.children, (el) => el.textContent ?? "").filter((t) => t.trim()).join("\n");
      console.log(lines());
      if (!values.yes) fail("this command asks for confirmation before it sends anything; run it again with --yes to confirm");
      await confirm.run();
      await (plugin as unknown as { idle(): Promise<void> }).idle();
      console.log(`\n${lines()}`);
    }

    const after = await runtime.snapshot();
    const changed = writeChangedFiles(vault, before, after);
    // Blocks that are new or whose text changed (a refresh rewrites blocks in place).
    const textBefore = before[notePath] ?? "";
    const noteAfter = after[notePath] ?? "";
    const oldBlocks = new Set(parseBlocks(textBefore).map((p) => textBefore.slice(p.from, p.to)));
    const newBlocks = parseBlocks(noteAfter)
      .map((p) => noteAfter.slice(p.from, p.to))
      .filter((blockText) => !oldBlocks.has(blockText));
    for (const notice of runtime.notices) console.log(`Notice: ${notice}`);
    // Asking and refreshing succeed only by writing a block; other commands (link-citations) need not.
    const writesBlocks = values.command.startsWith("ask") || values.command.startsWith("refresh");
    if (writesBlocks && !newBlocks.length) fail(runtime.notices.at(-1) ?? "the command wrote no answer block");
    if (newBlocks.length) console.log(`\n${newBlocks.join("\n\n")}\n`);
    console.log(changed.length ? `Changed files in ${vault}:` : `No files changed in ${vault}.`);
    for (const path of changed) console.log(`  ${path}`);
  } finally {
    await runtime.unloadPlugin();
    await stopEmulator?.();
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
