// Lifecycle only: load settings, wire commands, settings tab and source index. No network
// and no vault scan happen here; both wait until the user asks something.
import { Plugin } from "obsidian";
import { normalizeSettings } from "./settings";
import type { PerplexityQuerySettings } from "./settings";
import { registerCommands } from "./obsidian/commands";
import { registerRefreshCommands } from "./obsidian/refresh-commands";
import { registerThreadCommands } from "./obsidian/thread-commands";
import { checkNewAnswer, registerCheckCommands } from "./obsidian/check-commands";
import { PerplexityService } from "./obsidian/perplexity-service";
import { PerplexitySettingTab } from "./obsidian/settings-tab";
import { SourceLinker } from "./obsidian/source-linker";
import type { AskContext } from "./obsidian/ask-flow";
import { Lifetime } from "./obsidian/lifetime";

export default class PerplexityQueryPlugin extends Plugin {
  override settings: PerplexityQuerySettings = normalizeSettings({});
  /** The one clock the plugin reads; the headless runner replaces it for `--now`. */
  clock = { now: (): Date => new Date() };
  service!: PerplexityService;
  sources!: SourceLinker;
  private readonly jobs = new Set<Promise<unknown>>();
  private readonly batches = new Set<AbortController>();
  private readonly lifetime = new Lifetime();

  override async onload(): Promise<void> {
    this.settings = normalizeSettings(await this.loadData());
    const settings = () => this.settings;
    this.service = new PerplexityService(this.app, settings);
    this.sources = new SourceLinker(this.app, settings);
    this.sources.register((ref) => this.registerEvent(ref));
    const context: AskContext = {
      app: this.app,
      service: this.service,
      settings,
      now: () => this.clock.now(),
      sources: this.sources,
      statusBar: this.addStatusBarItem(),
      lifetime: this.lifetime,
    };
    const host = { plugin: this, context, track: (job: Promise<unknown>) => this.track(job), batches: this.batches };
    registerCommands(host);
    registerThreadCommands(host, registerRefreshCommands(host));
    registerCheckCommands(host);
    context.answered = (file, blockId) => checkNewAnswer(host, file, blockId);
    this.addSettingTab(new PerplexitySettingTab(this.app, this));
  }

  override onunload(): void {
    // Stop batches first so nothing new starts, then abort what is in flight (the connection test too).
    // Ending the lifetime settles half-written blocks in open editors now, synchronously; after this
    // returns, nothing the plugin started writes, creates notes or shows notices.
    for (const batch of this.batches) batch.abort();
    this.service.cancelAll("unload");
    this.lifetime.end();
  }

  async saveSettings(): Promise<void> {
    await this.saveData(this.settings);
  }

  private track(job: Promise<unknown>): void {
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
  }

  /** Resolves when every question asked so far has been answered or has failed. */
  async idle(): Promise<void> {
    while (this.jobs.size) await Promise.allSettled([...this.jobs]);
  }

  get plugin(): Plugin {
    return this;
  }
}
