// "Ask a question…": a prompt to type or edit the question, with per-question choices.
import { Modal, Notice, Setting } from "obsidian";
import type { App } from "obsidian";
import { PRESETS, RECENCY_FILTERS } from "../core/ask-request";
import type { Preset, RecencyFilter } from "../core/ask-request";
import type { QuestionOptions } from "../core/ask-options";
import { ModelSuggest } from "./model-suggest";

export class AskModal extends Modal {
  private question: string;
  private options: QuestionOptions;
  private submitted = false;
  /** Suggestions under the model field. */
  modelSuggest: ModelSuggest | undefined;

  constructor(
    app: App,
    initialQuestion: string,
    initialOptions: QuestionOptions,
    private readonly onSubmit: (question: string, options: QuestionOptions) => void,
    /** The models to suggest in the model field (Perplexity's list). */
    private readonly models: () => Promise<string[]> = () => Promise.resolve([]),
  ) {
    super(app);
    this.question = initialQuestion;
    this.options = { ...initialOptions };
  }

  override onOpen(): void {
    this.setTitle("Perplexity: ask a question");
    const { contentEl } = this;
    contentEl.empty();

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
    const applyChoice = () => {
      this.options.choice = dropdownValue === "model" ? { model: modelName.trim() } : { preset: dropdownValue as Preset };
    };
    new Setting(contentEl)
      .setName("Preset or model")
      .setDesc("A preset, or one specific model. Perplexity's model list gives their names.")
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

    new Setting(contentEl).setName("Recency").addDropdown((dropdown) => {
      dropdown.addOption("", "Any time");
      for (const r of RECENCY_FILTERS) dropdown.addOption(r, `Past ${r}`);
      dropdown.setValue(this.options.recency).onChange((value) => (this.options.recency = value as RecencyFilter | ""));
    });

    new Setting(contentEl)
      .setName("Domains")
      .setDesc("Search only these domains; a leading minus excludes one (-example.com).")
      .addText((text) => text.setValue(this.options.domains).onChange((value) => (this.options.domains = value)));

    new Setting(contentEl)
      .addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()))
      .addButton((button) => button.setButtonText("Ask").setCta().onClick(() => this.submit()));
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
    this.close();
    this.onSubmit(question, this.options);
  }

  override onClose(): void {
    this.contentEl.empty();
  }
}
