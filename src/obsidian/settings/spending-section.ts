// The spending caps as rows of the settings tab. A cap is money, so it is an amount or nothing: a value being
// typed that is not yet an amount ("1.", "five") is not saved, and the row says so; the old cap stays.
import type { Setting } from "obsidian";
import { parseCap } from "../../core/spend";
import type { SpendTracker } from "../../core/spend";
import type { PerplexityQuerySettings } from "../../settings";

export interface SpendingSettingsHost {
  settings: PerplexityQuerySettings;
  saveSettings(): Promise<void>;
  spend: SpendTracker;
  clock: { now(): Date };
}

export type CapKey = "monthlyCapUsd" | "batchCapUsd";

/** Draws one cap's text field on its row: empty is no cap. */
export function renderCapSetting(setting: Setting, host: SpendingSettingsHost, key: CapKey, desc: string): void {
  setting.addText((text) =>
    text
      .setPlaceholder("No cap")
      .setValue(host.settings[key] === null ? "" : String(host.settings[key]))
      .onChange(async (value) => {
        const parsed = parseCap(value);
        setting.descEl.toggleClass("mod-warning", parsed === undefined);
        if (parsed === undefined) {
          setting.setDesc(`"${value}" is not an amount in USD; the cap stays as it was.`);
          return;
        }
        setting.setDesc(desc);
        host.settings[key] = parsed;
        await host.saveSettings();
      }),
  );
}
