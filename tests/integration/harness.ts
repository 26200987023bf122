// Shared set-up for integration tests: the emulator, a vault, and the BUILT plugin loaded into
// the Obsidian runtime as Obsidian loads it.
import { startEmulator } from "../emulator/server";
import type { Emulator } from "../emulator/server";
import type { Scenario } from "../emulator/scenario";
import { ObsidianRuntime } from "../obsidian-runtime/runtime";
import type { LoadedPlugin, Platform, RuntimeOptions } from "../obsidian-runtime/runtime";

export const API_KEY = "pplx-test-key-0123456789";
export const NOTE = "Research/The AI Model Wars.md";
export const QUESTION = 'Who are the major "Layer 1" AI model creators, vendors, and API s?';
export const NOTE_TEXT = `# The AI Model Wars

## Vendors

${QUESTION}

Closing paragraph the user wrote.
`;

export interface Harness {
  emulator: Emulator;
  runtime: ObsidianRuntime;
  plugin: LoadedPlugin & { idle(): Promise<void> };
  close(): Promise<void>;
}

let defaultPlatform: Platform | undefined;

/** The platform of every harness started afterwards without one (runs a whole test file on mobile, say). */
export function useHarnessPlatform(platform: Platform | undefined): void {
  defaultPlatform = platform;
}

export async function startHarness(
  options: { scenario?: Scenario; files?: Record<string, string>; settings?: Record<string, unknown>; key?: string | null; platform?: Platform; runtime?: Omit<RuntimeOptions, "files" | "secrets" | "pluginData" | "platform"> } = {},
): Promise<Harness> {
  const emulator = await startEmulator({ scenario: options.scenario ?? {} });
  const runtime = new ObsidianRuntime({
    files: options.files ?? { [NOTE]: NOTE_TEXT },
    secrets: options.key === null ? {} : { "perplexity-api-key": options.key ?? API_KEY },
    // Pacing is tested in the rate limiter's own tests; here it would only slow the suite down.
    pluginData: { baseUrl: emulator.baseUrl, requestTimeoutSeconds: 10, requestsPerMinute: 6000, ...options.settings },
    ...((options.platform ?? defaultPlatform) ? { platform: options.platform ?? defaultPlatform } : {}),
    ...options.runtime,
  });
  // PLUGIN_MAIN=path/to/main.js runs a suite against another build (to see a test fail on an older one).
  const plugin = (await runtime.loadPlugin(process.env.PLUGIN_MAIN ?? "main.js")) as Harness["plugin"];
  plugin.clock = { now: () => new Date("2026-11-24T16:43:12.385Z") };
  return {
    emulator,
    runtime,
    plugin,
    close: async () => {
      await runtime.unloadPlugin();
      await emulator.close();
    },
  };
}

/** Opens the note and selects the first occurrence of `text`. */
export async function selectInNote(runtime: ObsidianRuntime, path: string, text: string) {
  const view = await runtime.openNote(path);
  const at = view.editor.getValue().indexOf(text);
  if (at < 0) throw new Error(`"${text}" not in ${path}`);
  view.editor.setSelection(view.editor.offsetToPos(at), view.editor.offsetToPos(at + text.length));
  return view.editor;
}

/** The POSTs that asked Perplexity something. */
export function askRequests(emulator: Emulator) {
  return emulator.requests.filter((r) => r.method === "POST" && /\/v1\/(responses|agent)$/.test(r.path));
}

type InputMessage = { type: string; role: string; content: string };

/**
 * What a request asked, split as the plugin sends it: the question (a string `input`, or the last user message:
 * what Perplexity searches for), the framing (a user message that another user message follows: read, not
 * searched), and the earlier turns of a conversation.
 */
export function askedOf(request: { json: unknown } | undefined): { question: string; framing: string; turns: InputMessage[] } {
  const input = (request?.json as { input?: unknown } | undefined)?.input;
  if (typeof input === "string") return { question: input, framing: "", turns: [] };
  const items = (Array.isArray(input) ? input : []) as InputMessage[];
  const isFraming = (m: InputMessage, k: number) => m.role === "user" && items[k + 1]?.role === "user";
  return {
    question: items.at(-1)?.content ?? "",
    framing: items.filter(isFraming).map((m) => m.content).join("\n\n"),
    turns: items.slice(0, -1).filter((m, k) => !isFraming(m, k)),
  };
}

/**
 * A settings row by its name (a Setting is settingEl > [controlEl, infoEl > [nameEl, descEl]]): its input, its
 * description, and the validation message 1.13 shows below it (Setting.setErrorMessage), if any.
 */
export function settingRow(containerEl: HTMLElement, name: string): { input: HTMLInputElement; desc: HTMLElement; error(): string | null } {
  const nameEl = [...containerEl.querySelectorAll<HTMLElement>("div")].find((el) => el.childElementCount === 0 && el.textContent === name);
  const settingEl = nameEl?.parentElement?.parentElement;
  const input = settingEl?.querySelector("input");
  const desc = nameEl?.nextElementSibling as HTMLElement | null | undefined;
  if (!settingEl || !input || !desc) throw new Error(`no "${name}" setting`);
  const controlEl = settingEl.firstElementChild;
  // setErrorMessage adds its element last to the control element and marks the row is-invalid.
  const error = () => (settingEl.classList.contains("is-invalid") ? (controlEl?.lastElementChild?.textContent ?? "") : null);
  return { input, desc, error };
}

/** Types a value into a settings field as the user does; the tab checks and saves it asynchronously. */
export async function typeInto(input: HTMLInputElement, value: string): Promise<void> {
  input.value = value;
  input.dispatchEvent(new Event("input"));
  await new Promise((resolve) => setTimeout(resolve, 0));
}
