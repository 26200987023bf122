// "Ask a question…": a prompt to type or edit the question, with per-question choices.
import { Modal, Notice, Setting } from "obsidian";
import type { App } from "obsidian";
import { PRESETS, RECENCY_FILTERS } from "../../core/ask-request";
import type { Preset, RecencyFilter } from "../../core/ask-request";
import type { QuestionOptions } from "../../core/ask-options";
import { ModelSuggest } from "../settings/model-suggest";
import { OPTION_LABELS, fromPrompt } from "../../core/profiles";
import type { OptionKey, ResolvedOptions } from "../../core/profiles";

const fromText = (where: string) => `From ${where}.`;

export class AskModal extends Modal {
  private question: string;
  private options: QuestionOptions;
  private submitted = false;
  /** Where each option's value came from; "ask prompt" once changed here. */
  readonly from: Record<OptionKey, string>;
  private readonly resolved: ResolvedOptions;
  /** Suggestions under the model field. */
  modelSuggest: ModelSuggest | undefined;

  constructor(
    app: App,
    initialQuestion: string,
    resolved: ResolvedOptions,
    private readonly onSubmit: (question: string, options: QuestionOptions) => void,
    /** The models to suggest in the model field (Perplexity's list). */
    private readonly models: () => Promise<string[]> = () => Promise.resolve([]),
    /** Another title, and a line of explanation under it (the follow-up prompt says what it follows and costs). */
    private readonly texts: { title?: string; note?: string } = {},
  ) {
    super(app);
    this.question = initialQuestion;
    this.resolved = resolved;
    this.options = { ...resolved.options };
    this.from = { ...resolved.from };
  }

  override onOpen(): void {
    this.setTitle(this.texts.title ?? "Perplexity: ask a question");
    const { contentEl } = this;
    contentEl.empty();
    if (this.texts.note) contentEl.createEl("p", { text: this.texts.note, cls: "setting-item-description" });

    new Setting(contentEl)
      .setName("Question")
      .addTextArea((text) => {
        text.setValue(this.question).onChange((value) => (this.question = value));
        text.inputEl.rows = 4;
        text.inputEl.addClass("perplexity-query-question");
        text.inputEl.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) this.submit();
        });
      });

    // The dropdown decides preset or model; the text box only names the model when "Model…" is chosen.
    let dropdownValue = "preset" in this.options.choice ? this.options.choice.preset : "model";
    let modelName = "model" in this.options.choice ? this.options.choice.model : "";
    const choiceSetting = new Setting(contentEl);
    const applyChoice = () => {
      this.options.choice = dropdownValue === "model" ? { model: modelName.trim() } : { preset: dropdownValue as Preset };
      this.changed("choice", choiceSetting);
    };
    choiceSetting
      .setName("Preset or model")
      .setDesc(fromText(this.from.choice))
      .addDropdown((dropdown) => {
        for (const preset of PRESETS) dropdown.addOption(preset, preset);
        dropdown.addOption("model", "Model…");
        dropdown.setValue(dropdownValue);
        dropdown.onChange((value) => {
          dropdownValue = value;
          applyChoice();
        });
      })
      .addText((text) => {
        const setModel = (value: string): void => {
          modelName = value;
          applyChoice();
        };
        text.setValue(modelName).onChange(setModel);
        this.modelSuggest = new ModelSuggest(this.app, text.inputEl, this.models, setModel);
      });

    const range = [this.options.afterDate && `after ${this.options.afterDate}`, this.options.beforeDate && `before ${this.options.beforeDate}`].filter(Boolean).join(", ");
    const recency = new Setting(contentEl).setName("Recency").setDesc(fromText(this.from.time) + (range ? ` Sources published ${range}; choosing a recency replaces the dates.` : ""));
    recency.addDropdown((dropdown) => {
      dropdown.addOption("", range ? "Date range" : "Any time");
      for (const r of RECENCY_FILTERS) dropdown.addOption(r, `Past ${r}`);
      dropdown.setValue(this.options.recency).onChange((value) => {
        this.options.recency = value as RecencyFilter | "";
        // Recency and a date range exclude each other: a recency chosen here replaces the dates.
        if (value) {
          delete this.options.afterDate;
          delete this.options.beforeDate;
        } else {
          if (this.resolved.options.afterDate) this.options.afterDate = this.resolved.options.afterDate;
          if (this.resolved.options.beforeDate) this.options.beforeDate = this.resolved.options.beforeDate;
        }
        this.changed("time", recency);
      });
    });

    const domains = new Setting(contentEl).setName("Domains").setDesc(`Search only these domains; a leading minus excludes one (-example.com). ${fromText(this.from.domains)}`);
    domains.addText((text) =>
      text.setValue(this.options.domains).onChange((value) => {
        this.options.domains = value;
        this.changed("domains", domains, "Search only these domains; a leading minus excludes one (-example.com). ");
      }),
    );

    const language = new Setting(contentEl).setName("Answer language").setDesc(fromText(this.from.language));
    language.addText((text) =>
      text
        .setPlaceholder("Perplexity's choice")
        .setValue(this.options.language ?? "")
        .onChange((value) => {
          if (value.trim()) this.options.language = value.trim();
          else delete this.options.language;
          this.changed("language", language);
        }),
    );

    const rest = (["contextSize", "guidance"] as const).filter((k) => this.from[k] !== "settings" && this.from[k] !== "not set");
    if (this.resolved.profile || rest.length) {
      const lines = [this.resolved.profile ? `Profile: ${this.resolved.profile}.` : "", ...rest.map((k) => `${OPTION_LABELS[k]}: ${k === "guidance" ? `"${this.options.guidance ?? ""}"` : (this.options.contextSize ?? "")} (from ${this.from[k]}).`)];
      contentEl.createEl("p", { text: lines.filter(Boolean).join(" "), cls: "setting-item-description" });
    }
    for (const problem of this.resolved.problems) contentEl.createEl("p", { text: `${problem} The value from the folder profile or the settings is used.`, cls: "mod-warning" });

    new Setting(contentEl)
      .addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()))
      .addButton((button) => button.setButtonText("Ask").setCta().onClick(() => this.submit()));
  }

  /** Marks an option as chosen in the prompt, and says so under it. */
  private changed(key: OptionKey, setting: Setting, lead = ""): void {
    this.from[key] = "ask prompt";
    setting.setDesc(lead + fromText("ask prompt"));
  }

  /** Submits the prompt (also used by tests and by Ctrl/Cmd+Enter). */
  submit(): void {
    const question = this.question.trim();
    if (!question || this.submitted) return;
    if ("model" in this.options.choice && !this.options.choice.model) {
      new Notice("Name the model to ask, or choose a preset.");
      return;
    }
    this.submitted = true;
    // What differs from the resolved options was chosen here, however it was changed.
    Object.assign(this.from, fromPrompt({ ...this.resolved, from: this.from }, this.options).from);
    this.close();
    this.onSubmit(question, this.options);
  }

  override onClose(): void {
    this.contentEl.empty();
  }
}
