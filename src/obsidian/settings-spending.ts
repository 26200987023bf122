// The settings tab's "Spending" section: the monthly and per-batch caps and the status bar display.
import { Setting } from "obsidian";
import { describeMonth, parseCap } from "../core/spend";
import type { SpendTracker } from "../core/spend";
import type { PerplexityQuerySettings } from "../settings";

export interface SpendingSettingsHost {
  settings: PerplexityQuerySettings;
  saveSettings(): Promise<void>;
  spend: SpendTracker;
  clock: { now(): Date };
}

function capSetting(container: HTMLElement, host: SpendingSettingsHost, key: "monthlyCapUsd" | "batchCapUsd", name: string, desc: string): void {
  const setting = new Setting(container).setName(name).setDesc(desc);
  setting.addText((text) =>
    text
      .setPlaceholder("No cap")
      .setValue(host.settings[key] === null ? "" : String(host.settings[key]))
      .onChange(async (value) => {
        const parsed = parseCap(value);
        // An amount being typed ("1.") is not saved until it reads as one; the old cap stays meanwhile.
        if (parsed === undefined) {
          setting.setDesc(`${desc} "${value}" is not an amount in USD; the cap stays as it was.`);
          return;
        }
        setting.setDesc(desc);
        host.settings[key] = parsed;
        await host.saveSettings();
      }),
  );
}

export function displaySpendingSettings(container: HTMLElement, host: SpendingSettingsHost): void {
  new Setting(container).setName("Many questions at once").setHeading();
  new Setting(container)
    .setName("Questions in a selection")
    .setDesc("Which lines of a selection are asked by the command that asks every question in it. Each answer goes below its question.")
    .addDropdown((d) =>
      d
        .addOption("question-mark", "Lines ending with a question mark")
        .addOption("list-items", "Every list item")
        .setValue(host.settings.batchQuestionLines)
        .onChange(async (value) => {
          host.settings.batchQuestionLines = value === "list-items" ? "list-items" : "question-mark";
          await host.saveSettings();
        }),
    );

  new Setting(container).setName("Spending").setHeading();
  const caps = { monthlyUsd: host.settings.monthlyCapUsd, batchUsd: host.settings.batchCapUsd };
  capSetting(
    container,
    host,
    "monthlyCapUsd",
    "Monthly spending cap",
    `In USD, counted from the cost Perplexity reports for each answer. A request that would pass it is not sent. Empty: no cap; 0: nothing paid is sent. ${describeMonth(host.spend.ledger, host.clock.now(), caps)}.`,
  );
  capSetting(container, host, "batchCapUsd", "Spending cap per batch", "In USD, for refreshing many answers or asking the questions of a selection: the batch stops before passing it. Empty: no cap.");
  new Setting(container)
    .setName("Show spending in the status bar")
    .setDesc("Month-to-date spend, with the monthly cap if you set one.")
    .addToggle((toggle) =>
      toggle.setValue(host.settings.showSpendInStatusBar).onChange(async (value) => {
        host.settings.showSpendInStatusBar = value;
        await host.saveSettings();
      }),
    );
}
