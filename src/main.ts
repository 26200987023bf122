// Lifecycle only: load settings, wire commands, settings tab and source index. No network
// and no vault scan happen here: background runs left pending by the last session are looked for
// once the layout is ready (and after onload has returned), everything else when the user asks.
import { Notice, Plugin, requireApiVersion } from "obsidian";
import { capProblems, normalizeSettings } from "./settings";
import type { PerplexityQuerySettings } from "./settings";
import { registerCommands } from "./obsidian/ask/commands";
import { registerRefreshCommands } from "./obsidian/refresh/commands";
import { registerThreadCommands } from "./obsidian/thread/commands";
import { checkNewAnswer, registerCheckCommands } from "./obsidian/check/commands";
import { PerplexityService } from "./obsidian/service/perplexity-service";
import { PerplexitySettingTab } from "./obsidian/settings/settings-tab";
import { SourceLinker } from "./obsidian/sources/source-linker";
import type { AskContext } from "./obsidian/ask/ask-flow";
import { Lifetime } from "./obsidian/lifetime";
import { SpendTracker, normalizeLedger } from "./core/spend";
import { SpendStatus } from "./obsidian/service/spend-status";
import { trackProfileFolders } from "./obsidian/settings/profile-options";
import { registerBatchCommands } from "./obsidian/batch/commands";
import { registerAnswersView } from "./obsidian/answers/commands";
import { refreshBlock } from "./obsidian/refresh/commands";
import type { Refresher } from "./obsidian/refresh/refresh-flow";
import { BackgroundRuns } from "./obsidian/background/background-runs";
import { BackgroundStatus, describeCancel, registerBackgroundCommands, takeOver } from "./obsidian/background/commands";
import { deviceId } from "./obsidian/background/device";

export default class PerplexityQueryPlugin extends Plugin {
  override settings: PerplexityQuerySettings = normalizeSettings({});
  /** The one clock the plugin reads; the headless runner replaces it for `--now`. */
  clock = { now: (): Date => new Date() };
  service!: PerplexityService;
  spend!: SpendTracker;
  spendStatus!: SpendStatus;
  sources!: SourceLinker;
  /** Runs going on at Perplexity in the background, polled by this device. */
  background!: BackgroundRuns;
  backgroundStatus!: BackgroundStatus;
  private readonly jobs = new Set<Promise<unknown>>();
  private readonly batches = new Set<AbortController>();
  private readonly lifetime = new Lifetime();
  private settingTab: PerplexitySettingTab | null = null;

  override async onload(): Promise<void> {
    const data = (await this.loadData()) as Record<string, unknown> | null;
    this.settings = normalizeSettings(data);
    const settings = () => this.settings;
    this.loadSpend(data);
    this.service = new PerplexityService(this.app, settings, this.spend);
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
    let refresher: Refresher | undefined;
    let device: string | undefined;
    this.background = new BackgroundRuns({
      app: this.app,
      service: this.service,
      settings,
      now: () => this.clock.now(),
      sources: this.sources,
      lifetime: this.lifetime,
      limiter: () => refresher!.sharedLimiter(),
      spend: () => this.spend,
      deviceId: () => (device ??= deviceId(this.app)),
      answered: (file, blockId) => context.answered?.(file, blockId),
      changed: () => this.backgroundStatus.update(),
    });
    this.backgroundStatus = new BackgroundStatus(this, () => this.background);
    context.background = this.background;
    const host = { plugin: this, context, track: (job: Promise<unknown>) => this.track(job), batches: this.batches, spend: () => this.spend };
    registerCommands(host);
    refresher = registerRefreshCommands(host);
    registerThreadCommands(host, refresher);
    registerCheckCommands(host);
    context.answered = (file, blockId) => checkNewAnswer(host, file, blockId);
    registerBatchCommands({ ...host, limiter: () => refresher.sharedLimiter() });
    const runs = this.background;
    registerAnswersView(this, {
      settings,
      now: () => this.clock.now(),
      refresh: (file, id) => this.track(refreshBlock(host, refresher, file, id)),
      background: {
        get deviceId() {
          return runs.deviceId;
        },
        cancel: (rid) => this.track(runs.cancel([rid]).then((report) => new Notice(describeCancel(report), 10_000))),
        takeOver: (file, blockId) => this.track(takeOver(runs, file, blockId)),
      },
    }, () => this.sources.folder());
    this.settingTab = new PerplexitySettingTab(this.app, this);
    this.addSettingTab(this.settingTab);
    trackProfileFolders(this, settings, () => this.saveSettings());
    registerBackgroundCommands(this, this.background, (job) => this.track(job));
    this.registerEvent(this.app.vault.on("rename", (file, oldPath) => this.background.renamed(oldPath, file.path)));
    // A phone coming back (or a window shown again): check the runs at once instead of at their next turn.
    this.registerDomEvent(activeDocument, "visibilitychange", () => {
      if (activeDocument.visibilityState === "visible") this.background.checkNow();
    });
    // Paid requests wait until the runs left pending are found and their estimates held again.
    let restored: () => void = () => undefined;
    this.service.waitForRestored(new Promise<void>((resolve) => (restored = resolve)));
    // After the layout is ready, and never inside onload (a plugin enabled later gets the callback at once).
    this.app.workspace.onLayoutReady(() => {
      window.setTimeout(() => {
        if (this.lifetime.ended) return restored();
        this.resuming = this.background.resume().finally(restored);
        this.track(this.resuming);
      }, 0);
    });
  }

  /** The search for runs left pending by the last session, once the layout is ready (tests and the demo wait for it). */
  resuming: Promise<unknown> | null = null;

  override onunload(): void {
    // Stop batches first so nothing new starts, then abort what is in flight (the connection test too).
    // Ending the lifetime settles half-written blocks in open editors now, synchronously; after this
    // returns, nothing the plugin started writes, creates notes or shows notices.
    // Background runs first: they stay pending in their notes (not cancelled) and land after the next load.
    this.background.stop();
    for (const batch of this.batches) batch.abort();
    this.service.cancelAll("unload");
    this.lifetime.end();
  }

  async saveSettings(): Promise<void> {
    // data.json holds the settings and, under `spend`, the spending record.
    await this.saveData({ ...this.settings, spend: this.spend.ledger });
    this.spendStatus.update();
  }

  /** The spending record and its status bar item; what could not be read is said once, never silently dropped. */
  private loadSpend(data: Record<string, unknown> | null): void {
    const { ledger, problems } = normalizeLedger(data?.spend);
    const caps = () => ({ monthlyUsd: this.settings.monthlyCapUsd, batchUsd: this.settings.batchCapUsd });
    this.spend = new SpendTracker(ledger, caps, () => this.clock.now(), () => {
      void this.saveSettings();
      // 1.13 draws the tab from the definitions it stored: store them again so the month's spend is current.
      if (requireApiVersion("1.13.0")) this.settingTab?.update();
    });
    this.spendStatus = new SpendStatus(this, () => this.spend, () => this.settings.showSpendInStatusBar, caps, () => this.clock.now());
    this.spendStatus.update();
    const all = [...problems.map((p) => `${p} and was left out`), ...capProblems(data)];
    if (all.length) new Notice(`Perplexity Query could not read part of its data file (data.json): ${all.join("; ")}. Month-to-date spend may be too low; check Settings → Perplexity Query → Spending.`, 15_000);
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
