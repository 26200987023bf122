// Obsidian 1.13 drawing a settings tab from its setting definitions (obsidian-test-mocks models only `render`
// rows), as obsidian.d.ts 1.13.1 describes the controls:
//  - the value shown is `getControlValue(key)`, or the control's `defaultValue` when that is undefined or null
//    (SettingControlBase.defaultValue: "Fallback when the resolver returns undefined/null");
//  - a `number` control "persists a number; falls back to `defaultValue` (or `0`) if the input cannot be parsed"
//    (SettingNumberControl); `min`, `max` and `step` go on the input element, which, like a browser's number
//    field, does not stop the user typing another value: only `validate` refuses one;
//  - `validate` runs "once on mount" (a stored value that fails shows its message, the value is left as it is)
//    and before every change is persisted: a message rejects the change and is shown "as an inline error message
//    below the setting" (SettingControlBase.validate): Setting.setErrorMessage, the 1.13 call that shows "a
//    persistent validation error message below the setting" and marks the row `is-invalid`;
//  - hidden rows (`visible`) are left out; a group gets its heading.
import type * as mocks from "obsidian-test-mocks/obsidian";

interface ControlLike {
  type: string;
  key: string;
  options?: Record<string, string>;
  placeholder?: string;
  defaultValue?: unknown;
  min?: number;
  max?: number;
  step?: number | "any";
  validate?: (value: unknown) => string | void | Promise<string | void>;
}

interface DefinitionLike {
  name: string;
  desc?: string | DocumentFragment;
  visible?: boolean | (() => boolean);
  control?: ControlLike;
  render?: (setting: mocks.Setting, group: unknown) => unknown;
  action?: (el: HTMLElement, index: number) => void;
}

export type DefinitionItem = DefinitionLike | { type: "group" | "list"; heading?: string; items?: DefinitionLike[] };

export interface DefinitionTab {
  containerEl: HTMLElement;
  getControlValue(key: string): unknown;
  setControlValue(key: string, value: unknown): void | Promise<void>;
}

function showProblem(setting: mocks.Setting, problem: string | void): void {
  setting.setErrorMessage(problem || null);
}

export function renderDefinitions(tab: DefinitionTab, items: DefinitionItem[], obsidian: { Setting: typeof mocks.Setting }): void {
  const container = tab.containerEl;
  container.empty();
  const row = (definition: DefinitionLike) => {
    const visible = typeof definition.visible === "function" ? definition.visible() : definition.visible !== false;
    if (!visible) return;
    const setting = new obsidian.Setting(container).setName(definition.name);
    if (definition.desc !== undefined) setting.setDesc(definition.desc);
    if (definition.render) definition.render(setting, undefined);
    const control = definition.control;
    if (!control) return;
    const stored = tab.getControlValue(control.key);
    const value = stored === undefined || stored === null ? control.defaultValue : stored;
    const check = async (candidate: unknown) => (control.validate ? await control.validate(candidate) : undefined);
    // On mount: a stored value that fails is shown as such, and left as it is.
    void check(value).then((problem) => showProblem(setting, problem));
    const save = async (next: unknown) => {
      const problem = await check(next);
      showProblem(setting, problem);
      if (!problem) await tab.setControlValue(control.key, next);
    };
    if (control.type === "toggle") setting.addToggle((t) => t.setValue(value === true).onChange(save));
    else if (control.type === "dropdown") setting.addDropdown((d) => d.addOptions(control.options ?? {}).setValue(String(value)).onChange(save));
    else if (control.type === "textarea") setting.addTextArea((t) => t.setValue(String(value ?? "")).onChange(save));
    else if (control.type === "number") {
      setting.addText((t) => {
        t.inputEl.type = "number";
        if (control.min !== undefined) t.inputEl.min = String(control.min);
        if (control.max !== undefined) t.inputEl.max = String(control.max);
        if (control.step !== undefined) t.inputEl.step = String(control.step);
        t.setValue(String(value ?? "")).onChange((raw) => {
          const parsed = raw.trim() === "" ? Number.NaN : Number(raw);
          return save(Number.isNaN(parsed) ? (control.defaultValue ?? 0) : parsed);
        });
      });
    } else setting.addText((t) => t.setPlaceholder(control.placeholder ?? "").setValue(String(value ?? "")).onChange(save));
  };
  for (const item of items) {
    if ("type" in item && (item.type === "group" || item.type === "list")) {
      if (item.heading) new obsidian.Setting(container).setName(item.heading).setHeading();
      for (const child of item.items ?? []) row(child);
    } else row(item as DefinitionLike);
  }
}
