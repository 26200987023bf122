// Suggestions under a model field (settings and the ask prompt): the models Perplexity lists, filtered by
// what is typed. Free text still works; the list is fetched only when the field is used.
import { AbstractInputSuggest } from "obsidian";
import type { App } from "obsidian";

export class ModelSuggest extends AbstractInputSuggest<string> {
  constructor(
    app: App,
    input: HTMLInputElement,
    private readonly models: () => Promise<string[]>,
    /** Saves a picked model, as the field's own onChange would for typed text. */
    private readonly onPick: (model: string) => void,
  ) {
    super(app, input);
  }

  protected async getSuggestions(query: string): Promise<string[]> {
    const typed = query.trim().toLowerCase();
    return (await this.models()).filter((model) => model.toLowerCase().includes(typed));
  }

  renderSuggestion(model: string, el: HTMLElement): void {
    el.setText(model);
  }

  override selectSuggestion(model: string): void {
    this.setValue(model);
    this.onPick(model);
    this.close();
  }
}
