// The settings tab, defined once as Obsidian 1.13's setting definitions (so every setting shows up in the
// app's settings search) and rendered from those same definitions with `Setting` on older apps (1.11.4 is
// the minimum), where `display()` is what the app calls. The API key row is rendered imperatively in both:
// the declarative controls have no secret field, and a plain text control would show the key. It goes
// through SecretComponent into Obsidian's secret storage; data.json only keeps the secret's name.
import { Modal, PluginSettingTab, SecretComponent, Setting, requireApiVersion } from "obsidian";
import type { App, Plugin, SettingControl, SettingDefinition, SettingDefinitionItem, SettingGroup } from "obsidian";
import { PRESETS, RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../../core/ask-request";
import { parseBaseUrl } from "../../perplexity/base-url";
import { PerplexityError } from "../../perplexity/errors";
import { STALE_AFTER_PROPERTY } from "../../core/staleness";
import { DEFAULT_BASE_URL, DEFAULT_SETTINGS, NUMBER_BOUNDS } from "../../settings";
import type { PerplexityQuerySettings } from "../../settings";
import type { PerplexityService } from "../service/perplexity-service";
import { ModelSuggest } from "./model-suggest";
import { renderCapSetting } from "./spending-section";
import type { CapKey, SpendingSettingsHost } from "./spending-section";
import { displayProfileSettings } from "./profiles-section";
import { SpendCapError, describeMonth } from "../../core/spend";

export interface SettingsHost extends SpendingSettingsHost {
  plugin: Plugin;
  service: PerplexityService;
}

type Key = keyof PerplexityQuerySettings;
type Definition = SettingDefinition<Key>;
type Group = { heading?: string; items: Definition[] };

// A model id as Perplexity lists it; a constant, since it is an example value and not a sentence.
const MODEL_PLACEHOLDER = "perplexity/sonar";

function options(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries);
}

export class PerplexitySettingTab extends PluginSettingTab {
  /** The last "Test connection" result, shown under the button. */
  connectionStatus = "";

  constructor(
    app: App,
    private readonly host: SettingsHost,
  ) {
    super(app, host.plugin);
  }

  override getControlValue(key: string): unknown {
    return this.host.settings[key as Key];
  }

  override async setControlValue(key: string, value: unknown): Promise<void> {
    (this.host.settings as unknown as Record<string, unknown>)[key] = value;
    await this.host.saveSettings();
    // Rows shown only for some values (the model name) follow at once; refreshDomState exists from 1.13.
    if (requireApiVersion("1.13.0")) this.refreshDomState();
  }

  /** Obsidian 1.13+: the tab as definitions, rendered and indexed for search by the app. */
  override getSettingDefinitions(): SettingDefinitionItem[] {
    return this.groups().map(({ heading, items }): SettingDefinitionItem => ({ type: "group", ...(heading ? { heading } : {}), items }));
  }

  /** Obsidian before 1.13 (never called by 1.13 while there are definitions): the same definitions, rendered with Setting. */
  override display(): void {
    this.renderDefinitions();
  }

  private renderDefinitions(): void {
    const { containerEl } = this;
    containerEl.empty();
    for (const group of this.groups()) {
      if (group.heading) new Setting(containerEl).setName(group.heading).setHeading();
      for (const definition of group.items) this.renderDefinition(containerEl, definition);
    }
  }

  private renderDefinition(containerEl: HTMLElement, definition: Definition): void {
    const visible = typeof definition.visible === "function" ? definition.visible() : definition.visible !== false;
    if (!visible) return;
    const setting = new Setting(containerEl).setName(definition.name);
    if (definition.desc !== undefined) setting.setDesc(definition.desc);
    // Our render callbacks use only the row; there is no SettingGroup before 1.13's renderer.
    if (definition.render) definition.render(setting, undefined as unknown as SettingGroup);
    else if (definition.control) this.renderControl(setting, definition.control, definition.desc ?? "");
  }

  /** One control, as 1.13 would draw it; a value its `validate` refuses is not saved. */
  private renderControl(setting: Setting, control: SettingControl<Key>, description: string | DocumentFragment): void {
    // Controls only hold plain values; profiles and caps have their own section.
    const raw: unknown = this.host.settings[control.key];
    const value = typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean" ? raw : "";
    const save = async (next: unknown) => {
      const problem = control.validate ? await (control.validate as (v: unknown) => string | void | Promise<string | void>)(next) : undefined;
      // Before 1.13 the app does not show a refusal: the row's description does, until the value is valid.
      setting.descEl.toggleClass("mod-warning", Boolean(problem));
      if (problem) {
        setting.setDesc(problem);
        return;
      }
      setting.setDesc(description);
      await this.setControlValue(control.key, next);
      // A row that appears or disappears with this value (the model name): draw the tab again.
      if (control.key === "preset") this.renderDefinitions();
    };
    switch (control.type) {
      case "toggle":
        setting.addToggle((toggle) => toggle.setValue(value === true).onChange(save));
        break;
      case "dropdown":
        setting.addDropdown((dropdown) => dropdown.addOptions(control.options).setValue(String(value)).onChange(save));
        break;
      case "textarea":
        setting.addTextArea((text) => text.setPlaceholder(control.placeholder ?? "").setValue(String(value)).onChange(save));
        break;
      case "number":
        setting.addText((text) => {
          text.inputEl.type = "number";
          text.setValue(String(value)).onChange((raw) => save(Number(raw)));
        });
        break;
      default:
        setting.addText((text) => text.setPlaceholder("placeholder" in control ? (control.placeholder ?? "") : "").setValue(String(value)).onChange(save));
    }
  }

  private toggle(key: Key, name: string, desc: string): Definition {
    return { name, desc, control: { type: "toggle", key } };
  }

  private text(key: Key, name: string, desc: string, placeholder = "", validate?: (value: string) => string | undefined): Definition {
    return { name, desc, control: { type: "text", key, placeholder, ...(validate ? { validate } : {}) } };
  }

  private textArea(key: Key, name: string, desc: string): Definition {
    return { name, desc, control: { type: "textarea", key } };
  }

  /** A whole number within its bounds (NUMBER_BOUNDS, which loading clamps to as well); anything else is refused. */
  private number(key: keyof typeof NUMBER_BOUNDS, name: string, desc: string | DocumentFragment): Definition {
    const { min, max } = NUMBER_BOUNDS[key];
    const validate = (value: number) => (Number.isInteger(value) && value >= min && value <= max ? undefined : `Enter a whole number from ${min} to ${max.toLocaleString("en-US")}.`);
    return { name, desc, control: { type: "number", key, min, max, step: 1, defaultValue: DEFAULT_SETTINGS[key], validate } };
  }

  private choice(key: Key, name: string, desc: string, entries: [string, string][]): Definition {
    return { name, desc, control: { type: "dropdown", key, options: options(entries) } };
  }

  /** The API key as a real secret field: SecretComponent, so the key goes to secret storage and is never shown. */
  private apiKey(): Definition {
    return {
      name: "API key",
      desc: "Stored in Obsidian's secret storage, never in the plugin's settings file. Create a key in the API console at perplexity.ai.",
      aliases: ["secret", "token", "key"],
      render: (setting) => {
        setting.addComponent((el) =>
          new SecretComponent(this.app, el).setValue(this.host.settings.apiKeySecret).onChange(async (value) => {
            this.host.settings.apiKeySecret = value;
            await this.host.saveSettings();
          }),
        );
      },
    };
  }

  /** The model name, with the models Perplexity lists suggested as the user types (free text still allowed). */
  private modelRow(): Definition {
    return {
      name: "Model",
      desc: "A model name from Perplexity's model list (suggested as you type).",
      render: (setting) => {
        setting.addText((text) => {
          text.setPlaceholder(MODEL_PLACEHOLDER).setValue(this.host.settings.model).onChange((value) => void this.setControlValue("model", value));
          new ModelSuggest(this.app, text.inputEl, () => this.host.service.models(), (value) => void this.setControlValue("model", value));
        });
      },
    };
  }

  /** A row whose button opens a window with a section too rich for single controls (lists, per-item rows). */
  private sectionRow(name: string, desc: string, aliases: string[], draw: (el: HTMLElement, redraw: () => void) => void): Definition {
    return {
      name,
      desc,
      aliases,
      render: (setting) => {
        setting.addButton((button) => button.setButtonText("Edit…").onClick(() => new SettingsSectionModal(this.app, name, draw).open()));
      },
    };
  }

  /** A spending cap: an amount in USD or empty (no cap), which a plain number control cannot hold. */
  private capRow(key: CapKey, name: string, desc: string): Definition {
    return { name, desc, aliases: ["budget", "cost", "spending", "limit"], render: (setting) => renderCapSetting(setting, this.host, key, desc) };
  }

  private testConnectionRow(): Definition {
    return {
      name: "Test connection",
      desc: "Sends one tiny question with the fast preset (costs a fraction of a cent).",
      render: (setting) => {
        if (this.connectionStatus) setting.setDesc(this.connectionStatus);
        setting.addButton((button) =>
          button.setButtonText("Test").onClick(async () => {
            // One paid request per click: the button stays disabled until the answer is in.
            button.setDisabled(true);
            setting.setDesc("Testing…");
            this.connectionStatus = await this.testConnection();
            setting.setDesc(this.connectionStatus);
            button.setDisabled(false);
          }),
        );
      },
    };
  }

  private groups(): Group[] {
    const settings = this.host.settings;
    return [
      { items: [this.apiKey(), this.testConnectionRow()] },
      {
        heading: "Answers",
        items: [
          this.choice(
            "preset",
            "Preset or model",
            "Presets choose the model and search depth for you: fast is quickest and cheapest, high and xhigh do deep research and take minutes.",
            [...PRESETS.map((p): [string, string] => [p, p]), ["model", "A specific model"]],
          ),
          { ...this.modelRow(), visible: () => settings.preset === "model" },
          this.number(
            "maxOutputTokens",
            "Maximum answer length",
            "In tokens; 0 keeps the preset's own limit (8,192 for fast, more for the others). A limit here replaces it and can cut long answers short.",
          ),
          this.textArea("customInstructions", "Custom instructions", "Sent with every question (read beside it, not searched), for example the tone or depth you want."),
          this.toggle(
            "replaceSystemPrompt",
            "Use custom instructions as the system prompt",
            "Warning: with a preset this replaces Perplexity's own prompt, which holds its citation rules and today's date. Answers may come without citations. Leave off unless you need it.",
          ),
          this.text("language", "Answer language", "A two-letter language code such as en or de; empty lets Perplexity choose.", "en"),
          this.toggle(
            "noteContext",
            "Send note context",
            "Send the note's title and the headings above the question, so the question is read in context. Nothing else from the note is sent.",
          ),
          this.number(
            "followUpTurns",
            "Earlier turns sent with a follow-up",
            "A follow-up question is sent with at most this many earlier questions and answers of its thread. More turns give more context and cost more input tokens; 0 sends none.",
          ),
        ],
      },
      {
        heading: "Search",
        items: [
          this.choice("searchContextSize", "Search context size", "How much of each web page the model reads. Larger costs more.", [
            ["", "Perplexity's default"],
            ...SEARCH_CONTEXT_SIZES.map((size): [string, string] => [size, size]),
          ]),
          this.choice("recency", "Recency", "Only use sources published within this period.", [
            ["", "Any time"],
            ...RECENCY_FILTERS.map((r): [string, string] => [r, `Past ${r}`]),
          ]),
          this.textArea(
            "domains",
            "Domains",
            "Search only these domains (one per line or comma-separated); a leading minus excludes a domain, as in -example.com. At most 20.",
          ),
          this.toggle("streaming", "Show the answer as it is written", "On desktop, text appears while Perplexity writes it. On mobile the answer always appears when it is complete."),
          this.toggle(
            "keepPartialOnCancel",
            "Keep cancelled answers",
            "When you cancel a request, keep the part of the answer that already arrived (marked as cancelled) instead of removing it.",
          ),
        ],
      },
      {
        heading: "Background runs",
        items: [
          this.choice(
            "backgroundRuns",
            "Run in the background",
            "A background run goes on at Perplexity while Obsidian is closed or the phone is locked; its answer is written into the note when it is ready, after a restart too.",
            [
              ["deep", "Deep presets (medium, high, xhigh)"],
              ["deep-and-mobile", "Deep presets, and every question asked on mobile"],
              ["off", "Never (wait for each answer with the connection open)"],
            ],
          ),
          this.number(
            "pollMaxSeconds",
            "Check a running answer at least every",
            "Seconds. The first check comes 3 seconds after the start; the wait then grows to this. Each check is one request, paced with the requests per minute below.",
          ),
        ],
      },
      {
        heading: "Note",
        items: [
          this.choice("insertionMode", "Insert the answer", "After the paragraph, list, table or callout that holds the question, which stays where it is. Replace puts the answer block in place of the selected paragraphs (the question is kept inside the block); a selection of less than whole paragraphs is answered after them.", [
            ["below", "After the selection's block"],
            ["replace", "In place of the selection"],
          ]),
          this.choice("calloutFold", "Answer block", "Whether new answer callouts start expanded, collapsed, or cannot be folded.", [
            ["expanded", "Expanded"],
            ["collapsed", "Collapsed"],
            ["none", "Not foldable"],
          ]),
          this.text(
            "citationDateFormat",
            "Citation date format",
            "The date at the start of each citation, in date-fns format (yyyy, MMM d shows 2025, Sep 14).",
            DEFAULT_SETTINGS.citationDateFormat,
          ),
        ],
      },
      {
        heading: "Source notes",
        items: [
          this.toggle("createSourceNotes", "Create source notes", "Create or update a note for every source an answer cites, and link the citation to it."),
          this.text("sourceFolder", "Source folder", "Where source notes are created. It stays inside the vault.", DEFAULT_SETTINGS.sourceFolder),
          this.text("sourceTags", "Source tags", "Tags given to new source notes, comma-separated.", DEFAULT_SETTINGS.sourceTags),
        ],
      },
      {
        heading: "Refreshing answers",
        items: [
          this.number(
            "staleAfterDays",
            "Answers go stale after",
            createFragment((f) => {
              f.appendText("Days. A note can set its own with the ");
              f.createEl("code", { text: STALE_AFTER_PROPERTY });
              f.appendText(" property (for example 7d, 2w or never).");
            }),
          ),
          this.choice("whenEdited", "Answers you edited", "A refresh never overwrites your edits: either skip such answers, or refresh them and keep your version as a folded previous answer.", [
            ["skip", "Skip them"],
            ["keep", "Refresh and keep my version"],
          ]),
          this.choice("keepPrevious", "Keep previous answers", "Older answers kept folded inside the refreshed block, with their date.", [
            ["none", "None"],
            ["last", "The last one"],
            ["all", "All"],
          ]),
          this.number(
            "requestsPerMinute",
            "Requests per minute",
            "Paces refreshing many answers, questions asked together and checks on background runs. Perplexity's limit for your usage tier: 50 at tier 0, 150 at tier 1, 500 at tier 2.",
          ),
          this.number("concurrency", "Parallel requests", "How many answers are refreshed at the same time."),
        ],
      },
      {
        heading: "Checking sources",
        items: [
          this.toggle("checkSourcesFetch", "Allow fetching pages", "Check the sources commands fetch every cited page, which tells each site your internet address. Nothing is fetched while this is off."),
          this.toggle(
            "checkSourcesFetchOnMobile",
            "Allow fetching pages on mobile",
            "On the desktop app a check follows redirects itself, checks every address before connecting and stops a page at 2 MB. On mobile only Obsidian's own request function can fetch pages, and it cannot promise any of that: it follows redirects without showing them (so a public page that redirects to your local network is fetched anyway), cannot see what a name resolves to, and downloads a large page whole. Checks stay off on mobile unless this is on too.",
          ),
          this.toggle("checkSourcesAuto", "Check new answers", "Check the sources of each new answer as soon as it is written (needs fetching pages allowed)."),
          this.text("checkSourcesSkipDomains", "Domains never fetched", "Comma-separated; a domain also covers its subdomains.", "example.com, intranet.example.org"),
          this.number("checkSourcesIntervalDays", "Check a page again after", "Days. A page checked more recently is not fetched again; its last verdict is used for every answer citing it."),
          this.number("checkSourcesPerSecond", "Pages per second", "How many pages a check fetches per second, all sites together; never more than one at a time from one site."),
          this.toggle(
            "checkSourcesAllowPrivateHosts",
            "Allow private hosts",
            "Also fetch addresses on your own network (localhost, 192.168.x.x, .local names). Off, an answer cannot make the plugin call your router or local services.",
          ),
        ],
      },
      {
        heading: "Profiles and batches",
        items: [
          this.sectionRow(
            "Profiles",
            "Named sets of options (preset or model, domains, recency, language, guidance) for the notes of a folder.",
            ["profile", "folder", "space"],
            (el, redraw) => displayProfileSettings(this.app, el, this.host, redraw),
          ),
          this.choice("batchQuestionLines", "Questions in a selection", "Which lines of a selection are asked by the command that asks every question in it. The answers go after the list, in the order of its questions.", [
            ["question-mark", "Lines ending with a question mark"],
            ["list-items", "Every list item"],
          ]),
        ],
      },
      {
        // The cap messages send people here by this name (RAISE_CAP).
        heading: "Spending",
        items: [
          this.capRow(
            "monthlyCapUsd",
            "Monthly spending cap",
            `In USD, counted from the cost Perplexity reports for each answer. A request that would pass it is not sent. Empty: no cap; 0: nothing paid is sent. ${describeMonth(this.host.spend.ledger, this.host.clock.now(), { monthlyUsd: settings.monthlyCapUsd, batchUsd: settings.batchCapUsd })}.`,
          ),
          this.capRow("batchCapUsd", "Spending cap per batch", "In USD, for refreshing many answers or asking the questions of a selection: the batch stops before passing it. Empty: no cap."),
          this.toggle("showSpendInStatusBar", "Show spending in the status bar", "Month-to-date spend, with the monthly cap if you set one."),
        ],
      },
      {
        heading: "Advanced",
        items: [
          this.text("baseUrl", "Base URL", "Perplexity's Agent API. Change it only to use a proxy or the test emulator.", DEFAULT_BASE_URL, (value) => {
            // Refused here, with the reason, instead of failing every request later.
            const result = parseBaseUrl(value || DEFAULT_BASE_URL);
            return result.ok ? undefined : result.message;
          }),
          this.number("requestTimeoutSeconds", "Request timeout", "Seconds to wait for an answer before giving up. Deep research needs several minutes."),
        ],
      },
    ];
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

/** One settings section in its own window, drawn again when its rows change (a profile added or removed). */
class SettingsSectionModal extends Modal {
  constructor(
    app: App,
    private readonly title: string,
    private readonly draw: (el: HTMLElement, redraw: () => void) => void,
  ) {
    super(app);
  }

  override onOpen(): void {
    this.setTitle(this.title);
    this.redraw();
  }

  private readonly redraw = (): void => {
    this.contentEl.empty();
    this.draw(this.contentEl, this.redraw);
  };

  override onClose(): void {
    this.contentEl.empty();
  }
}
