// The Obsidian runtime our tests, the demo and the benchmarks load the built plugin into.
// obsidian-test-mocks provides the `obsidian` module; this file is the one place where we
// extend it where it falls short of what Obsidian does:
//  - workspace: opening a note gives a leaf with a MarkdownView whose editor holds the file,
//    `getActiveViewOfType` and `getLeavesOfType("markdown")` find it, closing saves it;
//  - the editor is backed by a real CodeMirror 6 EditorView (`editor.cm`, as in the app; see
//    codemirror-editor.ts), undo history included; `editor: "mock"` keeps the mocks' editor, with
//    editor.transaction applying all its changes against the original text as ONE undo step;
//  - editors outside a markdown tab: a Canvas card and a hover popover editing a note, which are the
//    active editor (`workspace.activeEditor`) but not in `getLeavesOfType("markdown")`;
//  - the metadata cache parses a file some milliseconds after it was written, as the app's worker
//    does (the mock parses synchronously inside the write);
//  - fileManager.generateMarkdownLink follows the vault's link settings (`useMarkdownLinks`,
//    `newLinkFormat` shortest/relative/absolute), and fileToLinktext gives the shortest unique link;
//  - secretStorage.setSecret refuses IDs that are not lowercase alphanumeric with dashes, as the app does;
//  - an app version ("1.11.4" or "1.13.1"): requireApiVersion answers for it, and the settings tab is
//    shown as that app shows it (display() before 1.13, the setting definitions from 1.13);
//  - requestUrl performs real HTTP (the mock answers every request with an empty 200);
//  - a platform: "desktop" (Platform.isDesktopApp, and main.js's `require` gives Node's http/https and dns, as
//    Obsidian's desktop loader does; `resolve` injects DNS answers there and into requestUrl) or "mobile" (no Node: `require` of them throws); left out, the
//    mocks' desktop flags with no Node modules (the desktop fallback when they fail to load);
//    `@codemirror/state` and `@codemirror/commands` are given on every platform, as Obsidian provides them;
//  - the layout can start not ready (`layoutReady: false`, then `setLayoutReady()`), as while Obsidian starts;
//  - `localStorage` seeds what `app.loadLocalStorage` finds, and `localStorage()` reads it back (a device's storage);
//  - Modal.open does not close itself again at once, and open modals are recorded;
//  - a button's onClick listens for clicks on its element, and a text field's onChange for input on its
//    element, as Obsidian's components do (the mocks only store the callbacks), so a click on `buttonEl`
//    or an "input" event on `inputEl` is what the user's click or typing is;
//  - Notice messages are recorded so tests can read what the user was told;
//  - the metadata cache lists block ids (`cache.blocks`), as Obsidian's does;
//  - link resolution uses a name index, as Obsidian's does (the mock scans every file for
//    each unresolved link, which would make large-vault benchmarks measure the mock);
//  - start-up in the app's order: the plugin loads with the metadata cache still empty, then the layout is
//    ready, then the vault is indexed (one "changed" per note, some milliseconds apart) and the cache says
//    "resolved" (obsidian.d.ts: MetadataCache "resolved" fires "when all files have been resolved",
//    Workspace.onLayoutReady runs "once the layout is ready"; plugins load before either);
//  - renaming a folder fires "rename" for the folder and then for every file and folder inside it, each with
//    its old path, as the app does (the mock fires one event; see obsidianmd/obsidian-api#77: "you can
//    trigger a massive rename event by renaming a high level folder");
//  - views: setViewState builds a registered view in its leaf and opens it (View.onOpen), a leaf restored at
//    start-up stays deferred until it is revealed (WorkspaceLeaf.isDeferred, loadIfDeferred; 1.7.2), and
//    detaching a leaf closes its view (onClose) and unloads it, as unloading the plugin does for its views;
//    getLeavesOfType finds every leaf of a type, not only markdown tabs;
//  - saveData/loadData go through JSON, as data.json does (a value JSON cannot hold does not come back);
//  - the 1.13 settings tab: addSettingTab() stores the definitions (update()), opening the tab draws the
//    stored ones, and the renderer honours validate, min, max and defaultValue (setting-definitions.ts);
//  - DOMParser documents are inert, as a browser's (inert-dom-parser.ts).
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import nodeDns from "node:dns";
import nodeHttp from "node:http";
import nodeHttps from "node:https";
import { isIP } from "node:net";
import { compileFunction } from "node:vm";
import * as codemirrorCommands from "@codemirror/commands";
import * as codemirrorState from "@codemirror/state";
import * as codemirrorView from "@codemirror/view";
import * as mocks from "obsidian-test-mocks/obsidian";
import type { App as AppOriginal, Editor as EditorOriginal, EditorChange, MarkdownView as MarkdownViewOriginal, Plugin as PluginOriginal, PluginManifest } from "obsidian";
import { judge } from "../support/independent-markdown";
import { nodeRequestUrl } from "../support/node-request-url";
import { CodeMirrorEditor } from "./codemirror-editor";
import { InertDOMParser } from "./inert-dom-parser";
import { renderDefinitions } from "./setting-definitions";
import type { DefinitionItem } from "./setting-definitions";

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

/** The runtime an App belongs to, for the leaf methods patched below (a property: the mocks hand out proxies of the app). */
const RUNTIME = Symbol("runtime");
const runtimes = { get: (app: object) => (app as { [RUNTIME]?: ObsidianRuntime })[RUNTIME] };
interface ViewLike {
  getViewType(): string;
  load(): void;
  unload(): void;
  onOpen(): Promise<void>;
  onClose(): Promise<void>;
}
type ViewCreator = (leaf: unknown) => ViewLike;
interface LeafWithView {
  view: ViewLike | null;
  isDeferred: boolean;
  app__: object;
  getViewState(): { type: string };
  setViewState(viewState: { type: string; active?: boolean }, eState?: unknown): Promise<void>;
  loadIfDeferred(): Promise<void>;
  detach(): void;
}

const leafPrototype = mocks.WorkspaceLeaf.prototype as unknown as LeafWithView;
const storeViewState = leafPrototype.setViewState;
const removeLeaf = leafPrototype.detach;
leafPrototype.setViewState = async function (this: LeafWithView, viewState: { type: string; active?: boolean }, eState?: unknown) {
  await storeViewState.call(this, viewState as never, eState as never);
  if (!this.isDeferred) await runtimes.get(this.app__)?.buildView(this);
};
leafPrototype.loadIfDeferred = async function (this: LeafWithView) {
  if (!this.isDeferred) return;
  this.isDeferred = false;
  await runtimes.get(this.app__)?.buildView(this);
};
leafPrototype.detach = function (this: LeafWithView) {
  const view = this.view;
  if (view) void runtimes.get(this.app__)?.closeView(this);
  removeLeaf.call(this);
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
  /** The editor notes open in: CodeMirror-backed as in the app (default), or the mocks' plain editor. */
  editor?: "codemirror" | "mock";
  /** The app version; default the newest. */
  apiVersion?: ApiVersion;
  /** The vault's link settings (Settings → Files and links). */
  vaultConfig?: VaultLinkConfig;
  /** How long after a write the metadata cache has parsed it; default 5 ms. */
  metadataDelayMs?: number;
  /**
   * Desktop: what Node's http/https meet where Electron's network stack (requestUrl) gets through:
   * "refused" (connections refused: really sent to a closed port), "certificate" (a certificate Node
   * does not trust, as behind a TLS-inspecting proxy: the error Node gives, before anything is sent).
   */
  nodeNetwork?: "ok" | "refused" | "certificate";
  /**
   * Leaves of the saved workspace layout, restored after the plugin loads and before the vault is indexed: a
   * shown one gets its view built at once, one in a background tab stays deferred until revealed.
   */
  layout?: { type: string; shown: boolean }[];
  /**
   * DNS answers the system resolver would give, by host name: what Node's `dns.lookup` (desktop) and requestUrl
   * (both platforms) see. A function may answer differently on each call (DNS rebinding); names it leaves
   * unanswered (undefined) resolve as usual.
   */
  resolve?: (hostname: string) => string[] | undefined;
  /**
   * Addresses this test network serves elsewhere, as a NAT would: a public address a name resolved to (and that
   * the plugin's checks judged as such) is reached at the address given, e.g. `{ "93.184.216.34": "127.0.0.1" }`.
   */
  routes?: Record<string, string>;
  /** False: the workspace layout is not ready yet when the plugin loads (Obsidian starting); `setLayoutReady()` makes it so. Default true. */
  layoutReady?: boolean;
  /** What `app.loadLocalStorage` finds: this device's storage for the vault, kept by Obsidian outside the vault. */
  localStorage?: Record<string, unknown>;
}

export type ApiVersion = "1.11.4" | "1.13.1";

export interface VaultLinkConfig {
  useMarkdownLinks?: boolean;
  newLinkFormat?: "shortest" | "relative" | "absolute";
}

/** An editor on a note that is not a markdown tab: a Canvas card being edited, or a hover popover. */
export interface EmbeddedEditor {
  kind: "canvas" | "popover";
  editor: CodeMirrorEditor;
  file: mocks.TFile;
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
  /** Compiling and evaluating main.js, before the plugin class exists (what the bundle's size costs at start-up). */
  evaluateMs: number;
  /** Desktop: when the first chunk carrying an `output_text.delta` event reached the plugin's socket (0: not yet). */
  firstDeltaAt: number;
}

export class ObsidianRuntime {
  readonly app: mocks.App;
  readonly timings: RuntimeTimings = { responseAt: 0, editorWriteAt: 0, onloadMs: 0, evaluateMs: 0, firstDeltaAt: 0 };
  readonly platform: Platform | undefined;
  readonly notices: string[] = [];
  readonly openModals: mocks.Modal[] = [];
  /** Every SecretComponent the plugin created, with the element it was put in. */
  readonly secretComponents: { containerEl: HTMLElement }[] = [];
  readonly obsidian: ObsidianModule;
  readonly apiVersion: ApiVersion;
  private readonly nodeNetwork: NonNullable<RuntimeOptions["nodeNetwork"]>;
  /** The system resolver as this runtime's Node modules and requestUrl use it. */
  private readonly lookup: typeof nodeDns.lookup;
  private readonly routes: Record<string, string>;
  readonly editorKind: "codemirror" | "mock";
  plugin: LoadedPlugin | null = null;
  private pluginData: unknown;
  private views = new Map<string, mocks.MarkdownView>();
  private embedded = new Map<string, EmbeddedEditor>();
  private activeEmbedded: EmbeddedEditor | null = null;
  private readonly pendingParses = new Map<string, ReturnType<typeof setTimeout>>();
  private metadataDelayMs = 0;
  /** Files by name and by basename, as Obsidian's link resolution indexes them. */
  private readonly filesByName = new Map<string, mocks.TFile[]>();
  /** The vault's link settings; tests may change them as the user would in the settings. */
  linkConfig: VaultLinkConfig = {};
  /** Views the plugin registered, by type. */
  private readonly viewCreators = new Map<string, ViewCreator>();
  /** False until the plugin has loaded: the app indexes the vault after loading plugins. */
  private indexing = false;
  /** A test holds the layout back (`layoutReady: false`) until it calls `setLayoutReady()`. */
  private readonly holdLayout: boolean;
  /** Notes added before indexing started, parsed once it does. */
  private readonly unindexed: mocks.TFile[] = [];
  private readonly layout: NonNullable<RuntimeOptions["layout"]>;

  constructor(options: RuntimeOptions = {}) {
    // The vault starts empty so the patches below are in place before any file is parsed.
    this.app = mocks.App.createConfigured__({});
    (this.app as unknown as { [RUNTIME]: ObsidianRuntime })[RUNTIME] = this;
    // The layout becomes ready once the vault starts indexing (startIndexing), unless a test holds it back.
    this.holdLayout = options.layoutReady === false;
    for (const [key, value] of Object.entries(options.localStorage ?? {})) this.app.saveLocalStorage(key, value);
    this.patchSecretStorage();
    for (const [id, secret] of Object.entries(options.secrets ?? {})) this.app.secretStorage.setSecret(id, secret);
    this.pluginData = options.pluginData ?? null;
    this.platform = options.platform;
    this.apiVersion = options.apiVersion ?? "1.13.1";
    this.nodeNetwork = options.nodeNetwork ?? "ok";
    this.layout = options.layout ?? [];
    this.lookup = options.resolve ? injectedLookup(options.resolve) : nodeDns.lookup;
    this.routes = options.routes ?? {};
    // OBSIDIAN_RUNTIME_EDITOR=mock runs a suite on the mocks' editor (to compare timings or behaviour).
    this.editorKind = options.editor ?? (process.env.OBSIDIAN_RUNTIME_EDITOR === "mock" ? "mock" : "codemirror");
    this.obsidian = this.buildModule();
    this.patchWorkspace();
    this.patchLinkResolution();
    this.patchLinkGeneration(options.vaultConfig ?? {});
    this.patchBlockIds();
    this.patchFolderRename();
    this.addFiles(options.files ?? {});
    // Parsing lags behind writes; the files on disk are indexed only once the plugin has loaded.
    this.metadataDelayMs = options.metadataDelayMs ?? 5;
  }

  /**
   * What the app does after loading plugins: the layout becomes ready, then every note on disk is parsed and
   * the cache is "resolved". Called by loadPlugin; a runtime used without a plugin can call it itself.
   */
  async startIndexing(): Promise<void> {
    if (this.indexing) return;
    this.indexing = true;
    // The saved layout comes back first: a shown view is built with the metadata cache still empty.
    for (const { type, shown } of this.layout) {
      const leaf = this.restoreLeaf(type) as unknown as LeafWithView;
      if (shown) await leaf.loadIfDeferred();
    }
    if (!this.holdLayout) this.app.workspace.setLayoutReady__();
    const metadataCache = this.app.metadataCache as unknown as { parseFileMetadata(file: mocks.TFile): void } & mocks.Events;
    for (const file of this.unindexed.splice(0)) metadataCache.parseFileMetadata(file);
    await this.metadataSettled();
    metadataCache.trigger("resolved");
  }

  /** Renaming a folder: after the mock's one event for the folder, one for each thing inside it, as the app fires. */
  private patchFolderRename(): void {
    const vault = this.app.vault;
    const rename = vault.rename.bind(vault);
    vault.rename = async (file: mocks.TAbstractFile, newPath: string) => {
      if (!(file instanceof mocks.TFolder)) return rename(file, newPath);
      const oldPath = file.path;
      const inside: mocks.TAbstractFile[] = [];
      mocks.Vault.recurseChildren(file, (child: mocks.TAbstractFile) => {
        if (child !== file) inside.push(child);
      });
      await rename(file, newPath);
      for (const child of inside) vault.trigger("rename", child, oldPath + child.path.slice(newPath.length));
    };
  }

  /** Builds the registered view of a leaf's view state and opens it (setViewState, or a deferred leaf shown). */
  async buildView(leaf: LeafWithView): Promise<void> {
    const type = leaf.getViewState().type;
    const create = this.viewCreators.get(type);
    if (!create || leaf.view?.getViewType() === type) return;
    if (leaf.view) await this.closeView(leaf);
    const view = create(leaf);
    leaf.view = view;
    view.load();
    await view.onOpen();
  }

  /** Closes a leaf's view: onClose, then the view unloads (its registered events and children with it). */
  async closeView(leaf: LeafWithView): Promise<void> {
    const view = leaf.view;
    if (!view) return;
    leaf.view = null;
    await view.onClose();
    view.unload();
  }

  /**
   * A leaf of this type as the app restores it from the saved layout at start-up: deferred, with no view built
   * until it is shown (revealLeaf or loadIfDeferred).
   */
  restoreLeaf(type: string): mocks.WorkspaceLeaf {
    const leaf = this.app.workspace.getRightLeaf(false)!;
    const deferred = leaf as unknown as LeafWithView & { viewState: { type: string } };
    deferred.isDeferred = true;
    deferred.viewState = { type };
    return leaf;
  }

  /** Everything saved with `app.saveLocalStorage` (the demo keeps it between runs, as Obsidian keeps it on the device). */
  localStorage(): Record<string, unknown> {
    const stored = (this.app as unknown as { localStorage: Map<string, unknown> }).localStorage;
    return Object.fromEntries([...stored].filter(([, value]) => value !== null));
  }

  /** The workspace layout becomes ready, as when Obsidian has finished starting: `onLayoutReady` callbacks run. */
  setLayoutReady(): void {
    this.app.workspace.setLayoutReady__();
  }

  /** Resolves once the metadata cache has parsed every write so far. */
  async metadataSettled(): Promise<void> {
    while (this.pendingParses.size) await new Promise((resolve) => setTimeout(resolve, this.metadataDelayMs + 1));
  }

  private patchSecretStorage(): void {
    const storage = this.app.secretStorage;
    const setSecret = storage.setSecret.bind(storage);
    storage.setSecret = (id: string, secret: string) => {
      // obsidian.d.ts: "Lowercase alphanumeric ID with optional dashes. @throws Error if ID is invalid".
      if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`Invalid secret ID "${id}": use lowercase letters, digits and dashes.`);
      setSecret(id, secret);
    };
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
    const lookup = routedLookup(this.lookup, this.routes);
    const requestUrl = async (request: Parameters<typeof nodeRequestUrl>[0]) => {
      const response = await nodeRequestUrl(request, { lookup });
      timings.responseAt = performance.now();
      return response;
    };
    const desktop = this.platform !== "mobile";
    const Platform = this.platform === undefined ? mocks.Platform : { ...mocks.Platform, isDesktop: desktop, isDesktopApp: desktop, isMobile: !desktop, isMobileApp: !desktop, isPhone: !desktop };
    const secretComponents = this.secretComponents;
    class RecordingSecretComponent extends mocks.SecretComponent {
      constructor(app: mocks.App, containerEl: HTMLElement) {
        super(app, containerEl);
        secretComponents.push({ containerEl });
      }
    }
    const apiVersion = this.apiVersion;
    const requireApiVersion = (version: string) => compareVersions(apiVersion, version) >= 0;
    return {
      ...mocks,
      Notice: RecordingNotice,
      Modal: StayingModal,
      SecretComponent: RecordingSecretComponent,
      requestUrl,
      Platform,
      apiVersion,
      requireApiVersion,
    } as unknown as ObsidianModule;
  }

  private patchLinkResolution(): void {
    const { vault, metadataCache } = this.app;
    const byName = this.filesByName;
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

  /** As Obsidian's FileManager does: the link text by `newLinkFormat`, as a wikilink or a Markdown link. */
  private patchLinkGeneration(config: VaultLinkConfig): void {
    const { metadataCache, fileManager } = this.app;
    this.linkConfig = { ...config };
    const withoutMd = (path: string) => path.replace(/\.md$/, "");
    // The shortest link that still resolves to the file from anywhere: its name, else its whole path.
    metadataCache.fileToLinktext = (file: mocks.TFile, _sourcePath: string, omitMdExtension?: boolean) => {
      const name = omitMdExtension !== false && file.extension === "md" ? file.basename : file.name;
      const unique = (this.filesByName.get(file.name) ?? []).length <= 1;
      const path = omitMdExtension !== false ? withoutMd(file.path) : file.path;
      return unique ? name : path;
    };
    fileManager.generateMarkdownLink = (file: mocks.TFile, sourcePath: string, subpath?: string, alias?: string) => {
      const markdown = this.linkConfig.useMarkdownLinks === true;
      const format = this.linkConfig.newLinkFormat ?? "shortest";
      let path: string;
      if (format === "absolute") path = file.path;
      else if (format === "relative") path = relativePath(sourcePath, file.path);
      else path = metadataCache.fileToLinktext(file, sourcePath, false);
      const hash = subpath ? `#${subpath}` : "";
      if (markdown) return `[${alias ?? file.basename}](${encodeURI(path)}${encodeURI(hash)})`;
      return `[[${withoutMd(path)}${hash}${alias ? `|${alias}` : ""}]]`;
    };
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
      let text: string;
      try {
        text = vault.readSync__(file);
      } catch {
        return; // deleted before it was parsed
      }
      const blocks: Record<string, unknown> = {};
      // What Obsidian indexes, as a simple model (its help, "Link to a block in a note"): a `^id` of letters, digits
      // and dashes ending a line, at its start or after a space, and not in code, math, raw HTML, properties or a
      // `%%` comment (issue 18: its cache skips code). Where those are is read by an independent parser
      // (micromark, tests/support/independent-markdown.ts), never by the plugin's own structure layer it tests.
      const lineId = /(?:^|\s)\^([A-Za-z0-9-]+)[ \t]*$/gm;
      // A note with no candidate is not parsed (micromark is slow, and the benchmarks' vaults are large).
      const { literals, comments } = lineId.test(text) ? judge(text) : { literals: [], comments: [] };
      lineId.lastIndex = 0; // `test` on a global pattern moved it
      // Ranges sorted by start; ids are found left to right, so one cursor skips the ranges already behind.
      const hidden = [...literals, ...comments].sort((x, y) => x[0] - y[0]);
      let reach = 0; // the end of the furthest range behind the cursor
      let k = 0;
      for (let m = lineId.exec(text); m; m = lineId.exec(text)) {
        const [from, to] = [m.index, m.index + m[0].length];
        for (; k < hidden.length && hidden[k]![0] < to; k++) reach = Math.max(reach, hidden[k]![1]);
        if (reach > from) continue;
        const id = (m[1] ?? "").toLowerCase();
        blocks[id] = { id, position: { start: { offset: m.index }, end: { offset: m.index + m[0].length } } };
      }
      if (Object.keys(blocks).length) cache.blocks = blocks;
      else delete cache.blocks;
    };
    const parseNow = (file: mocks.TFile) => {
      if (vault.getAbstractFileByPath(file.path) !== file) return;
      // Block ids must be in the cache before "changed" listeners run: add them in the first listener.
      try {
        parse(file);
      } catch {
        // Obsidian opens a note whose properties are not valid YAML and gives it no properties (MetadataEdit's
        // issue 85, reproduced in Obsidian); the mocks' parser throws instead. The note is read with its
        // properties emptied, and then has none.
        const read = vault.readSync__.bind(vault);
        vault.readSync__ = (f: mocks.TFile) => {
          const text = read(f);
          const info = mocks.getFrontMatterInfo(text);
          return f === file && info.exists ? text.slice(0, info.from) + text.slice(info.to) : text;
        };
        try {
          parse(file);
        } finally {
          vault.readSync__ = read;
        }
        const cache = metadataCache.getFileCache(file) as { frontmatter?: unknown } | null;
        if (cache) delete cache.frontmatter;
      }
    };
    (this.app.metadataCache as unknown as mocks.Events).on("changed", (file: unknown) => {
      if (file instanceof mocks.TFile && file.extension === "md") addBlocks(file);
    });
    metadataCache.parseFileMetadata = (file: mocks.TFile) => {
      if (!this.indexing) {
        this.unindexed.push(file);
        return;
      }
      if (this.metadataDelayMs <= 0) {
        parseNow(file);
        return;
      }
      // Parsed later, once for a burst of writes, as Obsidian's metadata worker does.
      const pending = this.pendingParses.get(file.path);
      if (pending !== undefined) clearTimeout(pending);
      this.pendingParses.set(
        file.path,
        setTimeout(() => {
          this.pendingParses.delete(file.path);
          parseNow(file);
        }, this.metadataDelayMs),
      );
    };
  }

  private patchWorkspace(): void {
    const workspace = this.app.workspace;
    const views = this.views;
    workspace.getActiveViewOfType = ((type: abstract new (...args: never[]) => unknown) => {
      const view = (workspace.activeLeaf as unknown as { view?: unknown } | null)?.view;
      return view instanceof type ? view : null;
    }) as typeof workspace.getActiveViewOfType;
    const leavesOfType = workspace.getLeavesOfType.bind(workspace);
    workspace.getLeavesOfType = (type: string) => (type === "markdown" ? [...views.values()].map((v) => v.leaf) : leavesOfType(type));
    const revealLeaf = workspace.revealLeaf.bind(workspace);
    workspace.revealLeaf = async (leaf: mocks.WorkspaceLeaf) => {
      await leaf.loadIfDeferred();
      await revealLeaf(leaf);
    };
    Object.defineProperty(workspace, "activeEditor", {
      configurable: true,
      get: () => {
        if (this.activeEmbedded) return { editor: this.activeEmbedded.editor, file: this.activeEmbedded.file };
        const view = this.activeView();
        return view ? { editor: view.editor, file: view.file } : null;
      },
    });
  }

  activeView(): mocks.MarkdownView | null {
    if (this.activeEmbedded?.kind === "canvas") return null;
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
      if (id === "@codemirror/view") return codemirrorView;
      if (this.platform === "desktop" && (id === "http" || id === "https")) return this.observed(id === "http" ? nodeHttp : nodeHttps);
      if (this.platform === "desktop" && id === "dns") return { lookup: this.lookup };
      throw new Error(`main.js required "${id}", which Obsidian does not provide on this platform`);
    };
    // Obsidian evaluates the bundle as a function of (require, module, exports).
    const evaluateStart = performance.now();
    const evaluate = compileFunction(code, ["require", "module", "exports"], { filename: mainPath }) as (...args: unknown[]) => void;
    evaluate(requireShim, module, module.exports);
    this.timings.evaluateMs = performance.now() - evaluateStart;
    const exported = (module.exports.default ?? module.exports) as new (app: AppOriginal, manifest: PluginManifest) => LoadedPlugin;
    // The browser's DOMParser makes inert documents; the environment's would try to load what a page links.
    (globalThis as Record<string, unknown>).DOMParser = InertDOMParser;
    const plugin = new exported(this.app.asOriginalType__(), manifest);
    // data.json is JSON: what is saved comes back as JSON.parse(JSON.stringify(…)) would give it.
    const viaJson = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
    const data = this.pluginData;
    plugin.loadData = () => Promise.resolve(viaJson(data));
    plugin.saveData = (next: unknown) => {
      this.pluginData = viaJson(next);
      return Promise.resolve();
    };
    const registerView = plugin.registerView.bind(plugin);
    plugin.registerView = ((type: string, creator: ViewCreator) => {
      this.viewCreators.set(type, creator);
      registerView(type, creator as never);
    }) as unknown as typeof plugin.registerView;
    // 1.13: addSettingTab() stores the tab's definitions (SettingTab.update: "Called by addSettingTab()").
    const addSettingTab = plugin.addSettingTab.bind(plugin);
    plugin.addSettingTab = (tab) => {
      addSettingTab(tab);
      if (compareVersions(this.apiVersion, "1.13.0") >= 0) (tab as unknown as SettingTabLike).update();
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
    await this.startIndexing();
    return plugin;
  }

  /** Node's http or https as the plugin gets it, recording when responses (and their first answer text) arrive. */
  private observed(module: typeof nodeHttp | typeof nodeHttps): Pick<typeof nodeHttp, "request"> {
    const timings = this.timings;
    const network = this.nodeNetwork;
    const request = (url: string, options: nodeHttp.RequestOptions, callback: (res: nodeHttp.IncomingMessage) => void) => {
      if (network === "certificate") return untrustedCertificateRequest();
      // Port 9 (discard) on the loopback interface: nothing listens there, so the connection is really refused.
      const target = network === "refused" ? url.replace(/^(https?:\/\/)[^/]+/, "$1127.0.0.1:9") : url;
      // The plugin's own lookup (the page check's guard) runs as given; only the address it returns is routed.
      const routed = options.lookup ? { ...options, lookup: routedLookup(options.lookup as typeof nodeDns.lookup, this.routes) } : options;
      return module.request(target, routed, (res) => {
        res.on("data", (chunk: Buffer) => {
          if (timings.firstDeltaAt === 0 && chunk.includes("response.output_text.delta")) timings.firstDeltaAt = performance.now();
        });
        res.on("end", () => {
          timings.responseAt = performance.now();
        });
        callback(res);
      });
    };
    return { request } as unknown as Pick<typeof nodeHttp, "request">;
  }

  get data(): unknown {
    return this.pluginData;
  }

  async unloadPlugin(): Promise<void> {
    // The app closes the views of an unloading plugin; their leaves stay, to be rebuilt when it loads again.
    for (const type of this.viewCreators.keys()) {
      for (const leaf of this.app.workspace.getLeavesOfType(type)) {
        const withView = leaf as unknown as LeafWithView;
        await this.closeView(withView);
        withView.isDeferred = true;
      }
    }
    this.viewCreators.clear();
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
    this.activeEmbedded = null;
    const leaf = this.app.workspace.getLeaf("tab");
    const view = new mocks.MarkdownView(leaf);
    const text = await this.app.vault.read(file);
    if (this.editorKind === "codemirror") {
      view.editor = new CodeMirrorEditor(text, () => (this.timings.editorWriteAt = performance.now()));
    } else {
      patchEditorTransaction(view.editor, this.timings);
      view.editor.setValue(text);
    }
    view.file = file;
    (leaf as unknown as { view: unknown }).view = view;
    await leaf.openFile(file);
    this.views.set(path, view);
    this.app.workspace.setActiveLeaf(leaf);
    return view;
  }

  editor(path: string): mocks.Editor {
    const view = this.views.get(path);
    if (view) return view.editor;
    const embedded = this.embedded.get(path);
    if (embedded) return embedded.editor;
    throw new Error(`${path} is not open`);
  }

  /**
   * Edits the note in a Canvas card ("canvas") or a hover popover ("popover"): an editor that is the
   * active editor but no markdown tab. Closing it (`closeEmbedded`) saves it, as the app does.
   */
  async openEmbedded(path: string, kind: EmbeddedEditor["kind"]): Promise<CodeMirrorEditor> {
    const file = this.app.vault.getFileByPath(path);
    if (!file) throw new Error(`No note at ${path}`);
    const editor = new CodeMirrorEditor(await this.app.vault.read(file), () => (this.timings.editorWriteAt = performance.now()));
    const entry: EmbeddedEditor = { kind, editor, file };
    this.embedded.set(path, entry);
    this.activeEmbedded = entry;
    return editor;
  }

  async closeEmbedded(path: string): Promise<void> {
    const entry = this.embedded.get(path);
    if (!entry) return;
    await this.app.vault.modify(entry.file, entry.editor.getValue());
    this.embedded.delete(path);
    if (this.activeEmbedded === entry) this.activeEmbedded = null;
    entry.editor.destroy();
  }

  /** Saves the editor's text to the file, as Obsidian does shortly after each edit. */
  async saveNote(path: string): Promise<void> {
    const view = this.views.get(path);
    if (view?.file) await this.app.vault.modify(view.file, view.editor.getValue());
    const embedded = this.embedded.get(path);
    if (embedded) await this.app.vault.modify(embedded.file, embedded.editor.getValue());
  }

  async closeNote(path: string): Promise<void> {
    const view = this.views.get(path);
    if (!view) return;
    await this.saveNote(path);
    this.views.delete(path);
    this.app.workspace.removeLeaf__(view.leaf);
    if (view.editor instanceof CodeMirrorEditor) view.editor.destroy();
  }

  async saveAll(): Promise<void> {
    for (const path of new Set([...this.views.keys(), ...this.embedded.keys()])) await this.saveNote(path);
  }

  async read(path: string): Promise<string> {
    const view = this.views.get(path);
    if (view) return view.editor.getValue();
    const embedded = this.embedded.get(path);
    if (embedded) return embedded.editor.getValue();
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
    if (command.editorCheckCallback || command.editorCallback) {
      // As the app: editor commands run in the active editor, a markdown tab's or an embedded one's.
      const view = this.activeView();
      const active = this.app.workspace.activeEditor as { editor: mocks.Editor; file: mocks.TFile | null } | null;
      if (!active) return false;
      const editor = active.editor as unknown as EditorOriginal;
      const ctx = (view && view.editor === active.editor ? view : { editor, file: active.file }) as unknown as MarkdownViewOriginal;
      if (command.editorCheckCallback) return command.editorCheckCallback(checking, editor, ctx) !== false;
      if (!checking) void command.editorCallback?.(editor, ctx);
      return true;
    }
    if (command.checkCallback) return command.checkCallback(checking) !== false;
    if (!checking) void command.callback?.();
    return true;
  }

  /** The plugin's settings tab, shown as this app version shows it; returns the tab. */
  openSettings(): SettingTabLike {
    if (!this.plugin) throw new Error("No plugin loaded");
    const tab = (this.plugin as unknown as { settingTabs__: SettingTabLike[] }).settingTabs__[0];
    if (!tab) throw new Error("The plugin added no settings tab");
    if (compareVersions(this.apiVersion, "1.13.0") >= 0) {
      // 1.13: the tab is drawn from the definitions update() stored (SettingTab.settingItems, "Populated by
      // update()"), not asked for again; display() only when there are none.
      const items = tab.settingItems as DefinitionItem[];
      if (items.length) renderDefinitions(tab, items, this.obsidian);
      else tab.display();
    } else {
      tab.display();
    }
    return tab;
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

/** A request as Node makes it when the server's certificate is not trusted: a socket, then the TLS error. */
function untrustedCertificateRequest(): nodeHttp.ClientRequest {
  const req = new EventEmitter() as EventEmitter & { end(): void; destroy(): void };
  const socket = Object.assign(new EventEmitter(), { connecting: true, encrypted: true });
  req.end = () => {
    setTimeout(() => {
      req.emit("socket", socket);
      const error = Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
      setTimeout(() => req.emit("error", error), 1);
    }, 1);
  };
  req.destroy = () => undefined;
  return req as unknown as nodeHttp.ClientRequest;
}

export interface SettingTabLike {
  containerEl: HTMLElement;
  settingItems: unknown[];
  getControlValue(key: string): unknown;
  setControlValue(key: string, value: unknown): void | Promise<void>;
  display(): void;
  update(): void;
  renderTab__(): void;
  getSettingDefinitions(): unknown[];
  testConnection(): Promise<string>;
}

/** Compares dotted versions numerically ("1.11.4" < "1.13.0"). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A path relative to the folder of `from` ("../Sources/x.md"), as Obsidian writes relative links. */
function relativePath(from: string, to: string): string {
  const fromDir = from.split("/").slice(0, -1);
  const target = to.split("/");
  let common = 0;
  while (common < fromDir.length && common < target.length - 1 && fromDir[common] === target[common]) common++;
  return [...fromDir.slice(common).map(() => ".."), ...target.slice(common)].join("/");
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

/** `dns.lookup` answering from `resolve` (every signature Node calls it with), falling back to the real one. */
function injectedLookup(resolve: (hostname: string) => string[] | undefined): typeof nodeDns.lookup {
  const lookup = (hostname: string, options: unknown, callback?: unknown): void => {
    const done = (typeof options === "function" ? options : callback) as (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void;
    const opts = (typeof options === "object" && options !== null ? options : typeof options === "number" ? { family: options } : {}) as nodeDns.LookupOptions;
    const answer = resolve(hostname);
    if (answer === undefined) {
      nodeDns.lookup(hostname, { ...opts, all: true }, (err, addresses) => (err ? done(err, undefined) : opts.all ? done(null, addresses) : done(null, addresses[0]?.address, addresses[0]?.family)));
      return;
    }
    const addresses = answer.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
    queueMicrotask(() => {
      if (addresses.length === 0) done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), undefined);
      else if (opts.all) done(null, addresses);
      else done(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  return lookup as unknown as typeof nodeDns.lookup;
}

/** `lookup` with its answers routed: an address in `routes` is handed on as the address it maps to. */
function routedLookup(lookup: typeof nodeDns.lookup, routes: Record<string, string>): typeof nodeDns.lookup {
  if (Object.keys(routes).length === 0) return lookup;
  const route = (address: string) => routes[address] ?? address;
  const routed = (hostname: string, options: unknown, callback?: unknown): void => {
    const done = (typeof options === "function" ? options : callback) as (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
    const opts = typeof options === "function" ? {} : options;
    (lookup as unknown as (h: string, o: unknown, cb: (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void) => void)(hostname, opts, (err, address, family) => {
      if (err) return done(err);
      if (Array.isArray(address)) return done(null, (address as nodeDns.LookupAddress[]).map((a) => ({ address: route(a.address), family: isIP(route(a.address)) === 6 ? 6 : 4 })));
      const to = route(String(address));
      done(null, to, to === address ? family : isIP(to) === 6 ? 6 : 4);
    });
  };
  return routed as unknown as typeof nodeDns.lookup;
}
