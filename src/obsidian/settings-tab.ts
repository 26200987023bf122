// The settings tab: sentence case, grouped with headings. The API key goes through
// SecretComponent into Obsidian's secret storage; data.json only keeps the secret's name.
import { PluginSettingTab, SecretComponent, Setting } from "obsidian";
import type { App, Plugin } from "obsidian";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../core/ask-request";
import { PerplexityError } from "../perplexity/errors";
import { STALE_AFTER_PROPERTY } from "../core/staleness";
import { DEFAULT_BASE_URL, DEFAULT_SETTINGS } from "../settings";
import type { PerplexityQuerySettings } from "../settings";
import type { PerplexityService } from "./perplexity-service";
import { displaySpendingSettings } from "./settings-spending";
import { SpendCapError } from "../core/spend";
import { displayProfileSettings } from "./settings-profiles";
import type { SpendingSettingsHost } from "./settings-spending";

export interface SettingsHost extends SpendingSettingsHost {
  plugin: Plugin;
  settings: PerplexityQuerySettings;
  saveSettings(): Promise<void>;
  service: PerplexityService;
}

type StringKey = { [K in keyof PerplexityQuerySettings]: PerplexityQuerySettings[K] extends string ? K : never }[keyof PerplexityQuerySettings];
type NumberKey = { [K in keyof PerplexityQuerySettings]: PerplexityQuerySettings[K] extends number ? K : never }[keyof PerplexityQuerySettings];
type BooleanKey = { [K in keyof PerplexityQuerySettings]: PerplexityQuerySettings[K] extends boolean ? K : never }[keyof PerplexityQuerySettings];

export class PerplexitySettingTab extends PluginSettingTab {
  /** The last "Test connection" result, shown under the button. */
  connectionStatus = "";

  constructor(
    app: App,
    private readonly host: SettingsHost,
  ) {
    super(app, host.plugin);
  }

  private async set<K extends keyof PerplexityQuerySettings>(key: K, value: PerplexityQuerySettings[K]): Promise<void> {
    this.host.settings[key] = value;
    await this.host.saveSettings();
  }

  private text(container: HTMLElement, key: StringKey, name: string, desc: string, placeholder = ""): Setting {
    return new Setting(container)
      .setName(name)
      .setDesc(desc)
      .addText((text) =>
        text
          .setPlaceholder(placeholder)
          .setValue(this.host.settings[key])
          .onChange((value) => this.set(key, value)),
      );
  }

  private toggle(container: HTMLElement, key: BooleanKey, name: string, desc: string): Setting {
    return new Setting(container)
      .setName(name)
      .setDesc(desc)
      .addToggle((toggle) => toggle.setValue(this.host.settings[key]).onChange((value) => this.set(key, value)));
  }

  private number(container: HTMLElement, key: NumberKey, name: string, desc: string | DocumentFragment): Setting {
    return new Setting(container)
      .setName(name)
      .setDesc(desc)
      .addText((text) => {
        text.inputEl.type = "number";
        text.setValue(String(this.host.settings[key])).onChange((value) => {
          const parsed = Number.parseInt(value, 10);
          const min = key === "maxOutputTokens" ? 0 : 1;
          if (Number.isFinite(parsed) && parsed >= min) void this.set(key, parsed);
        });
      });
  }

  /** A dropdown over a fixed set of values of one setting. */
  private choice<K extends StringKey>(container: HTMLElement, key: K, name: string, desc: string, options: [PerplexityQuerySettings[K] & string, string][]): Setting {
    return new Setting(container)
      .setName(name)
      .setDesc(desc)
      .addDropdown((dropdown) => {
        for (const [value, label] of options) dropdown.addOption(value, label);
        dropdown.setValue(String(this.host.settings[key])).onChange((value) => this.set(key, value as PerplexityQuerySettings[K]));
      });
  }

  override display(): void {
    const { containerEl } = this;
    containerEl.empty();
    const s = this.host.settings;

    new Setting(containerEl)
      .setName("API key")
      .setDesc("Stored in Obsidian's secret storage, never in the plugin's settings file. Create a key in Perplexity's API console.")
      .addComponent((el) =>
        new SecretComponent(this.app, el).setValue(s.apiKeySecret).onChange((value) => this.set("apiKeySecret", value)),
      );
    const status = new Setting(containerEl)
      .setName("Test connection")
      .setDesc(this.connectionStatus || "Sends one tiny question with the fast preset (costs a fraction of a cent).")
      .addButton((button) =>
        button.setButtonText("Test").onClick(async () => {
          // One paid request per click: the button stays disabled until the answer is in.
          button.setDisabled(true);
          status.setDesc("Testing…");
          this.connectionStatus = await this.testConnection();
          status.setDesc(this.connectionStatus);
          button.setDisabled(false);
        }),
      );

    new Setting(containerEl).setName("Answers").setHeading();
    new Setting(containerEl)
      .setName("Preset or model")
      .setDesc("Presets choose the model and search depth for you: fast is quickest and cheapest, high and xhigh do deep research and take minutes.")
      .addDropdown((dropdown) => {
        for (const preset of PRESETS) dropdown.addOption(preset, preset);
        dropdown.addOption("model", "A specific model");
        dropdown.setValue(s.preset).onChange(async (value) => {
          await this.set("preset", value as PerplexityQuerySettings["preset"]);
          this.display();
        });
      });
    if (s.preset === "model") this.text(containerEl, "model", "Model", "A model name from Perplexity's model list.", "provider/model");
    this.number(containerEl, "maxOutputTokens", "Maximum answer length", "In tokens; 0 leaves the limit to Perplexity. Longer answers cost more.");
    new Setting(containerEl)
      .setName("Custom instructions")
      .setDesc("Sent with every question, for example the language or tone you want.")
      .addTextArea((text) => text.setValue(s.customInstructions).onChange((value) => this.set("customInstructions", value)));
    this.toggle(
      containerEl,
      "noteContext",
      "Send note context",
      "Send the note's title and the headings above the question, so the question is read in context. Nothing else from the note is sent.",
    );

    new Setting(containerEl).setName("Search").setHeading();
    new Setting(containerEl)
      .setName("Search context size")
      .setDesc("How much of each web page the model reads. Larger costs more.")
      .addDropdown((dropdown) => {
        dropdown.addOption("", "Perplexity's default");
        for (const size of SEARCH_CONTEXT_SIZES) dropdown.addOption(size, size);
        dropdown.setValue(s.searchContextSize).onChange((value) => this.set("searchContextSize", value as PerplexityQuerySettings["searchContextSize"]));
      });
    new Setting(containerEl)
      .setName("Recency")
      .setDesc("Only use sources published within this period.")
      .addDropdown((dropdown) => {
        dropdown.addOption("", "Any time");
        for (const r of RECENCY_FILTERS) dropdown.addOption(r, `Past ${r}`);
        dropdown.setValue(s.recency).onChange((value) => this.set("recency", value as PerplexityQuerySettings["recency"]));
      });
    new Setting(containerEl)
      .setName("Domains")
      .setDesc("Search only these domains (one per line or comma-separated); a leading minus excludes a domain, as in -reddit.com. At most 20.")
      .addTextArea((text) => text.setValue(s.domains).onChange((value) => this.set("domains", value)));

    this.toggle(
      containerEl,
      "streaming",
      "Show the answer as it is written",
      "On desktop, text appears while Perplexity writes it. On mobile the answer always appears when it is complete.",
    );
    this.toggle(
      containerEl,
      "keepPartialOnCancel",
      "Keep cancelled answers",
      "When you cancel a request, keep the part of the answer that already arrived (marked as cancelled) instead of removing it.",
    );

    new Setting(containerEl).setName("Note").setHeading();
    this.choice(containerEl, "insertionMode", "Insert the answer", "Below keeps the selected question where it is; replace puts the answer block in its place (the question is kept inside the block).", [
      ["below", "Below the selection"],
      ["replace", "In place of the selection"],
    ]);
    this.choice(containerEl, "calloutFold", "Answer block", "Whether new answer callouts start expanded, collapsed, or cannot be folded.", [
      ["expanded", "Expanded"],
      ["collapsed", "Collapsed"],
      ["none", "Not foldable"],
    ]);
    this.text(
      containerEl,
      "citationDateFormat",
      "Citation date format",
      "The date at the start of each citation, in date-fns format (yyyy, MMM d shows 2025, Sep 14).",
      DEFAULT_SETTINGS.citationDateFormat,
    );

    new Setting(containerEl).setName("Source notes").setHeading();
    this.toggle(containerEl, "createSourceNotes", "Create source notes", "Create or update a note for every source an answer cites, and link the citation to it.");
    this.text(containerEl, "sourceFolder", "Source folder", "Where source notes are created. It stays inside the vault.", DEFAULT_SETTINGS.sourceFolder);
    this.text(containerEl, "sourceTags", "Source tags", "Tags given to new source notes, comma-separated.", DEFAULT_SETTINGS.sourceTags);

    new Setting(containerEl).setName("Refreshing answers").setHeading();
    this.number(
      containerEl,
      "staleAfterDays",
      "Answers go stale after",
      createFragment((f) => {
        f.appendText("Days. A note can set its own with the ");
        f.createEl("code", { text: STALE_AFTER_PROPERTY });
        f.appendText(" property (for example 7d, 2w or never).");
      }),
    );
    this.choice(containerEl, "whenEdited", "Answers you edited", "A refresh never overwrites your edits: either skip such answers, or refresh them and keep your version as a folded previous answer.", [
      ["skip", "Skip them"],
      ["keep", "Refresh and keep my version"],
    ]);
    this.choice(containerEl, "keepPrevious", "Keep previous answers", "Older answers kept folded inside the refreshed block, with their date.", [
      ["none", "None"],
      ["last", "The last one"],
      ["all", "All"],
    ]);
    this.number(containerEl, "requestsPerMinute", "Requests per minute", "For refreshing many answers at once. Perplexity's limit for your usage tier: 50 at tier 0, 150 at tier 1, 500 at tier 2.");
    this.number(containerEl, "concurrency", "Parallel requests", "How many answers are refreshed at the same time.");

    displayProfileSettings(this.app, containerEl, this.host, () => this.display());
    displaySpendingSettings(containerEl, this.host);

    new Setting(containerEl).setName("Advanced").setHeading();
    this.text(containerEl, "baseUrl", "Base URL", "Perplexity's Agent API. Change it only to use a proxy or the test emulator.", DEFAULT_BASE_URL);
    this.number(containerEl, "requestTimeoutSeconds", "Request timeout", "Seconds to wait for an answer before giving up. Deep research needs several minutes.");
  }

  /** Runs the connection test and describes the result in plain words. */
  async testConnection(): Promise<string> {
    try {
      await this.host.service.testConnection();
      return "Connected: Perplexity accepted the key and answered.";
    } catch (error) {
      return error instanceof PerplexityError || error instanceof SpendCapError ? error.message : "The test failed for an unknown reason.";
    }
  }
}
