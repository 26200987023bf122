// The Obsidian runtime our tests, the demo and the benchmarks load the built plugin into.
// obsidian-test-mocks provides the `obsidian` module; this file is the one place where we
// extend it where it falls short of what Obsidian does:
//  - workspace: opening a note gives a leaf with a MarkdownView whose editor holds the file,
//    `getActiveViewOfType` and `getLeavesOfType("markdown")` find it, closing saves it;
//  - editor.transaction applies all its changes against the original text as ONE undo step
//    (the mock applies them one by one, each its own step, with shifting offsets);
//  - requestUrl performs real HTTP (the mock answers every request with an empty 200);
//  - a platform: "desktop" (Platform.isDesktopApp, and main.js's `require` gives Node's http/https, as
//    Obsidian's desktop loader does) or "mobile" (no Node: `require` of them throws); left out, the
//    mocks' desktop flags with no Node modules (the desktop fallback when they fail to load);
//    `@codemirror/state` and `@codemirror/commands` are given on every platform, as Obsidian provides them;
//  - Modal.open does not close itself again at once, and open modals are recorded;
//  - a button's onClick listens for clicks on its element, and a text field's onChange for input on its
//    element, as Obsidian's components do (the mocks only store the callbacks), so a click on `buttonEl`
//    or an "input" event on `inputEl` is what the user's click or typing is;
//  - Notice messages are recorded so tests can read what the user was told;
//  - the metadata cache lists block ids (`cache.blocks`), as Obsidian's does;
//  - link resolution uses a name index, as Obsidian's does (the mock scans every file for
//    each unresolved link, which would make large-vault benchmarks measure the mock).
import { readFileSync } from "node:fs";
import nodeHttp from "node:http";
import nodeHttps from "node:https";
import { compileFunction } from "node:vm";
import * as codemirrorCommands from "@codemirror/commands";
import * as codemirrorState from "@codemirror/state";
import * as mocks from "obsidian-test-mocks/obsidian";
import type { App as AppOriginal, Editor as EditorOriginal, EditorChange, MarkdownView as MarkdownViewOriginal, Plugin as PluginOriginal, PluginManifest } from "obsidian";
import { nodeRequestUrl } from "../support/node-request-url";

export type ObsidianModule = typeof mocks;

const buttonPrototype = mocks.ButtonComponent.prototype;
const storeClickHandler = Object.getOwnPropertyDescriptor(buttonPrototype, "onClick")?.value as (this: mocks.ButtonComponent, callback: (evt: MouseEvent) => unknown) => mocks.ButtonComponent;
buttonPrototype.onClick = function (this: mocks.ButtonComponent, callback: (evt: MouseEvent) => unknown) {
  this.buttonEl.addEventListener("click", (evt) => void callback(evt));
  return storeClickHandler.call(this, callback);
};
const textPrototype = mocks.AbstractTextComponent.prototype;
const storeChangeHandler = Object.getOwnPropertyDescriptor(textPrototype, "onChange")?.value as (this: mocks.AbstractTextComponent<HTMLInputElement>, callback: (value: string) => unknown) => mocks.AbstractTextComponent<HTMLInputElement>;
textPrototype.onChange = function (this: mocks.AbstractTextComponent<HTMLInputElement>, callback: (value: string) => unknown) {
  this.inputEl.addEventListener("input", () => void callback(this.inputEl.value));
  return storeChangeHandler.call(this, callback);
};

export interface RuntimeOptions {
  /** Vault files by path. */
  files?: Record<string, string>;
  /** Secrets as Obsidian's secret storage would hold them. */
  secrets?: Record<string, string>;
  /** The plugin's data.json contents. */
  pluginData?: unknown;
  /** See the file comment. */
  platform?: Platform;
}

export type Platform = "desktop" | "mobile";

export interface LoadedPlugin extends PluginOriginal {
  settings: Record<string, unknown>;
  clock: { now(): Date };
}

interface MockCommand {
  id: string;
  name: string;
  callback?: () => unknown;
  checkCallback?: (checking: boolean) => boolean | void;
  editorCallback?: (editor: EditorOriginal, ctx: MarkdownViewOriginal) => unknown;
  editorCheckCallback?: (checking: boolean, editor: EditorOriginal, ctx: MarkdownViewOriginal) => boolean | void;
}

/** performance.now() marks the benchmarks read: when a response's last byte arrived, when an editor was last written. */
export interface RuntimeTimings {
  responseAt: number;
  editorWriteAt: number;
  onloadMs: number;
  /** Desktop: when the first chunk carrying an `output_text.delta` event reached the plugin's socket (0: not yet). */
  firstDeltaAt: number;
}

export class ObsidianRuntime {
  readonly app: mocks.App;
  readonly timings: RuntimeTimings = { responseAt: 0, editorWriteAt: 0, onloadMs: 0, firstDeltaAt: 0 };
  readonly platform: Platform | undefined;
  readonly notices: string[] = [];
  readonly openModals: mocks.Modal[] = [];
  readonly obsidian: ObsidianModule;
  plugin: LoadedPlugin | null = null;
  private pluginData: unknown;
  private views = new Map<string, mocks.MarkdownView>();

  constructor(options: RuntimeOptions = {}) {
    // The vault starts empty so the patches below are in place before any file is parsed.
    this.app = mocks.App.createConfigured__({});
    this.app.workspace.setLayoutReady__();
    for (const [id, secret] of Object.entries(options.secrets ?? {})) this.app.secretStorage.setSecret(id, secret);
    this.pluginData = options.pluginData ?? null;
    this.platform = options.platform;
    this.obsidian = this.buildModule();
    this.patchWorkspace();
    this.patchLinkResolution();
    this.patchBlockIds();
    this.addFiles(options.files ?? {});
  }

  private addFiles(files: Record<string, string>): void {
    const vault = this.app.vault;
    for (const [path, content] of Object.entries(files)) {
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const folder = parts.slice(0, i).join("/");
        if (!vault.getAbstractFileByPath(folder)) vault.createFolderSync__(folder);
      }
      vault.createSync__(path, content);
    }
  }

  private buildModule(): ObsidianModule {
    const notices = this.notices;
    const openModals = this.openModals;
    class RecordingNotice extends mocks.Notice {
      constructor(message: string | DocumentFragment, duration?: number) {
        super(message, duration);
        notices.push(typeof message === "string" ? message : (message.textContent ?? ""));
      }
    }
    class StayingModal extends mocks.Modal {
      override open(): void {
        openModals.push(this);
        this.onOpen();
      }
      override close(): void {
        const index = openModals.indexOf(this);
        if (index >= 0) openModals.splice(index, 1);
        super.close();
      }
    }
    const timings = this.timings;
    const requestUrl = async (request: Parameters<typeof nodeRequestUrl>[0]) => {
      const response = await nodeRequestUrl(request);
      timings.responseAt = performance.now();
      return response;
    };
    const desktop = this.platform !== "mobile";
    const Platform = this.platform === undefined ? mocks.Platform : { ...mocks.Platform, isDesktop: desktop, isDesktopApp: desktop, isMobile: !desktop, isMobileApp: !desktop, isPhone: !desktop };
    return { ...mocks, Notice: RecordingNotice, Modal: StayingModal, requestUrl, Platform } as unknown as ObsidianModule;
  }

  private patchLinkResolution(): void {
    const { vault, metadataCache } = this.app;
    const byName = new Map<string, mocks.TFile[]>();
    const add = (file: unknown) => {
      if (!(file instanceof mocks.TFile)) return;
      for (const key of [file.basename, file.name]) byName.set(key, [...(byName.get(key) ?? []), file]);
    };
    const remove = (file: unknown, name = (file as mocks.TFile).name) => {
      if (!(file instanceof mocks.TFile)) return;
      const basename = name.replace(/\.[^.]*$/, "");
      for (const key of [basename, name]) byName.set(key, (byName.get(key) ?? []).filter((f) => f !== file));
    };
    for (const file of vault.getFiles()) add(file);
    vault.on("create", add);
    vault.on("delete", (file) => remove(file));
    vault.on("rename", (file, oldPath) => {
      const old = String(oldPath);
      remove(file, old.slice(old.lastIndexOf("/") + 1));
      add(file);
    });
    metadataCache.getFirstLinkpathDest = (linkpath: string) =>
      vault.getFileByPath(linkpath) ?? vault.getFileByPath(`${linkpath}.md`) ?? byName.get(linkpath)?.[0] ?? null;
  }

  private patchBlockIds(): void {
    const metadataCache = this.app.metadataCache as unknown as {
      parseFileMetadata(file: mocks.TFile): void;
      getFileCache(file: mocks.TFile): Record<string, unknown> | null;
    };
    const vault = this.app.vault;
    const parse = metadataCache.parseFileMetadata.bind(metadataCache);
    const addBlocks = (file: mocks.TFile) => {
      const cache = metadataCache.getFileCache(file);
      if (!cache) return;
      const text = vault.readSync__(file);
      const blocks: Record<string, unknown> = {};
      const lineId = /(?:^|\s)\^([A-Za-z0-9-]+)[ \t]*$/gm;
      for (let m = lineId.exec(text); m; m = lineId.exec(text)) {
        const id = (m[1] ?? "").toLowerCase();
        blocks[id] = { id, position: { start: { offset: m.index }, end: { offset: m.index + m[0].length } } };
      }
      if (Object.keys(blocks).length) cache.blocks = blocks;
      else delete cache.blocks;
    };
    metadataCache.parseFileMetadata = (file: mocks.TFile) => {
      parse(file);
      if (file instanceof mocks.TFile && file.extension === "md") addBlocks(file);
    };
    for (const file of vault.getMarkdownFiles()) addBlocks(file);
  }

  private patchWorkspace(): void {
    const workspace = this.app.workspace;
    const views = this.views;
    workspace.getActiveViewOfType = ((type: abstract new (...args: never[]) => unknown) => {
      const view = (workspace.activeLeaf as unknown as { view?: unknown } | null)?.view;
      return view instanceof type ? view : null;
    }) as typeof workspace.getActiveViewOfType;
    workspace.getLeavesOfType = (type: string) => (type === "markdown" ? [...views.values()].map((v) => v.leaf) : []);
    Object.defineProperty(workspace, "activeEditor", {
      configurable: true,
      get: () => {
        const view = this.activeView();
        return view ? { editor: view.editor, file: view.file } : null;
      },
    });
  }

  activeView(): mocks.MarkdownView | null {
    const view = (this.app.workspace.activeLeaf as unknown as { view?: unknown } | null)?.view;
    return view instanceof mocks.MarkdownView ? view : null;
  }

  /** Loads the built main.js as Obsidian does: CommonJS, with `require("obsidian")` supplied. */
  async loadPlugin(mainPath = "main.js", manifestPath = "manifest.json"): Promise<LoadedPlugin> {
    const code = readFileSync(mainPath, "utf8");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PluginManifest;
    const module = { exports: {} as Record<string, unknown> };
    const requireShim = (id: string): unknown => {
      if (id === "obsidian") return this.obsidian;
      if (id === "@codemirror/state") return codemirrorState;
      if (id === "@codemirror/commands") return codemirrorCommands;
      if (this.platform === "desktop" && (id === "http" || id === "https")) return this.observed(id === "http" ? nodeHttp : nodeHttps);
      throw new Error(`main.js required "${id}", which Obsidian does not provide on this platform`);
    };
    // Obsidian evaluates the bundle as a function of (require, module, exports).
    const evaluate = compileFunction(code, ["require", "module", "exports"], { filename: mainPath }) as (...args: unknown[]) => void;
    evaluate(requireShim, module, module.exports);
    const exported = (module.exports.default ?? module.exports) as new (app: AppOriginal, manifest: PluginManifest) => LoadedPlugin;
    const plugin = new exported(this.app.asOriginalType__(), manifest);
    const data = this.pluginData;
    plugin.loadData = () => Promise.resolve(structuredClone(data));
    plugin.saveData = (next: unknown) => {
      this.pluginData = structuredClone(next);
      return Promise.resolve();
    };
    // Component.load() does not await onload; Obsidian does.
    const onload = plugin.onload.bind(plugin);
    let loading: unknown;
    plugin.onload = () => {
      loading = onload();
    };
    const start = performance.now();
    plugin.load();
    await loading;
    this.timings.onloadMs = performance.now() - start;
    this.plugin = plugin;
    return plugin;
  }

  /** Node's http or https as the plugin gets it, recording when responses (and their first answer text) arrive. */
  private observed(module: typeof nodeHttp | typeof nodeHttps): Pick<typeof nodeHttp, "request"> {
    const timings = this.timings;
    const request = (url: string, options: nodeHttp.RequestOptions, callback: (res: nodeHttp.IncomingMessage) => void) =>
      module.request(url, options, (res) => {
        res.on("data", (chunk: Buffer) => {
          if (timings.firstDeltaAt === 0 && chunk.includes("response.output_text.delta")) timings.firstDeltaAt = performance.now();
        });
        res.on("end", () => {
          timings.responseAt = performance.now();
        });
        callback(res);
      });
    return { request } as unknown as Pick<typeof nodeHttp, "request">;
  }

  get data(): unknown {
    return this.pluginData;
  }

  async unloadPlugin(): Promise<void> {
    this.plugin?.unload();
    this.plugin = null;
    await settle();
  }

  /** Opens a note in a new active tab, as clicking it in the file explorer does. */
  async openNote(path: string): Promise<mocks.MarkdownView> {
    const existing = this.views.get(path);
    if (existing) {
      this.app.workspace.setActiveLeaf(existing.leaf);
      return existing;
    }
    const file = this.app.vault.getFileByPath(path);
    if (!file) throw new Error(`No note at ${path}`);
    const leaf = this.app.workspace.getLeaf("tab");
    const view = new mocks.MarkdownView(leaf);
    patchEditorTransaction(view.editor, this.timings);
    view.file = file;
    view.editor.setValue(await this.app.vault.read(file));
    (leaf as unknown as { view: unknown }).view = view;
    await leaf.openFile(file);
    this.views.set(path, view);
    this.app.workspace.setActiveLeaf(leaf);
    return view;
  }

  editor(path: string): mocks.Editor {
    const view = this.views.get(path);
    if (!view) throw new Error(`${path} is not open`);
    return view.editor;
  }

  /** Saves the editor's text to the file, as Obsidian does shortly after each edit. */
  async saveNote(path: string): Promise<void> {
    const view = this.views.get(path);
    if (!view?.file) return;
    await this.app.vault.modify(view.file, view.editor.getValue());
  }

  async closeNote(path: string): Promise<void> {
    const view = this.views.get(path);
    if (!view) return;
    await this.saveNote(path);
    this.views.delete(path);
    this.app.workspace.removeLeaf__(view.leaf);
  }

  async saveAll(): Promise<void> {
    for (const path of this.views.keys()) await this.saveNote(path);
  }

  async read(path: string): Promise<string> {
    const view = this.views.get(path);
    if (view) return view.editor.getValue();
    const file = this.app.vault.getFileByPath(path);
    if (!file) throw new Error(`No file at ${path}`);
    return this.app.vault.read(file);
  }

  private commands(): Map<string, MockCommand> {
    if (!this.plugin) throw new Error("No plugin loaded");
    return (this.plugin as unknown as { commands__: Map<string, MockCommand> }).commands__;
  }

  commandIds(): string[] {
    return [...this.commands().keys()];
  }

  commandName(id: string): string | undefined {
    return this.commands().get(id)?.name;
  }

  /** Whether the command palette would list the command right now. */
  isCommandAvailable(id: string): boolean {
    return this.invoke(id, true);
  }

  /** Runs a command as the palette does; returns false if it was not available. */
  runCommand(id: string): boolean {
    return this.invoke(id, false);
  }

  private invoke(id: string, checking: boolean): boolean {
    const command = this.commands().get(id);
    if (!command) throw new Error(`No command ${id}`);
    const view = this.activeView();
    if (command.editorCheckCallback || command.editorCallback) {
      if (!view) return false;
      const editor = view.editor.asOriginalType__();
      const ctx = view as unknown as MarkdownViewOriginal;
      if (command.editorCheckCallback) return command.editorCheckCallback(checking, editor, ctx) !== false;
      if (!checking) void command.editorCallback?.(editor, ctx);
      return true;
    }
    if (command.checkCallback) return command.checkCallback(checking) !== false;
    if (!checking) void command.callback?.();
    return true;
  }

  /** Opens the editor's context menu on the active note and returns its items. */
  editorMenu(): { title: string; click: () => void }[] {
    const view = this.activeView();
    if (!view) throw new Error("No active note");
    const menu = mocks.Menu.create2__();
    this.app.workspace.trigger("editor-menu", menu.asOriginalType2__(), view.editor.asOriginalType__(), view);
    return menu.menuItems__.map((item) => ({
      title: typeof item.title__ === "string" ? item.title__ : (item.title__.textContent ?? ""),
      click: () => void item.onClick__?.(new MouseEvent("click")),
    }));
  }

  /** Every file in the vault with its text (for writing a vault back to disk). */
  async snapshot(): Promise<Record<string, string>> {
    await this.saveAll();
    const out: Record<string, string> = {};
    for (const file of this.app.vault.getFiles()) out[file.path] = await this.app.vault.read(file);
    return out;
  }
}

/** Applies a transaction's changes against the text as it was, as one undo step, keeping the cursor. */
function patchEditorTransaction(editor: mocks.Editor, timings: RuntimeTimings): void {
  editor.transaction = (tx) => {
    const changes: EditorChange[] = [...(tx.changes ?? [])];
    if (changes.length) {
      const text = editor.getValue();
      const spans = changes
        .map((c) => ({ from: editor.posToOffset(c.from), to: editor.posToOffset(c.to ?? c.from), text: c.text }))
        .sort((a, b) => a.from - b.from);
      const start = spans[0]?.from ?? 0;
      const end = Math.max(...spans.map((s) => s.to));
      let middle = "";
      let at = start;
      for (const span of spans) {
        middle += text.slice(at, span.from) + span.text;
        at = Math.max(at, span.to);
      }
      middle += text.slice(at, end);
      const mapOffset = (offset: number): number => (offset <= start ? offset : offset >= end ? offset + middle.length - (end - start) : start + middle.length);
      const anchor = mapOffset(editor.posToOffset(editor.getCursor("anchor")));
      const head = mapOffset(editor.posToOffset(editor.getCursor("head")));
      editor.replaceRange(middle, editor.offsetToPos(start), editor.offsetToPos(end));
      editor.setSelection(editor.offsetToPos(anchor), editor.offsetToPos(head));
      timings.editorWriteAt = performance.now();
    }
    if (tx.selection) editor.setSelection(tx.selection.from, tx.selection.to);
  };
}

/** Lets pending promise callbacks and zero-delay timers run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Polls until `predicate` holds (for work the plugin finishes in the background). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
