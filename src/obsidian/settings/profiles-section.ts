// The settings tab's "Profiles" section: named option sets, each attached to folders.
import { Setting, TFolder, normalizePath } from "obsidian";
import type { App } from "obsidian";
import { RECENCY_FILTERS, SEARCH_CONTEXT_SIZES } from "../../core/ask-request";
import { PROFILE_PROPERTY, emptyProfile, normalizeFolder, profileValues } from "../../core/profiles";
import type { Profile } from "../../core/profiles";
import type { PerplexityQuerySettings } from "../../settings";

export interface ProfileSettingsHost {
  settings: PerplexityQuerySettings;
  saveSettings(): Promise<void>;
}

function uniqueName(profiles: Profile[]): string {
  let n = profiles.length + 1;
  while (profiles.some((p) => p.name === `Profile ${n}`)) n++;
  return `Profile ${n}`;
}

export function displayProfileSettings(app: App, container: HTMLElement, host: ProfileSettingsHost, redraw: () => void): void {
  new Setting(container)
    .setName("Profiles")
    .setDesc(
      `Named sets of options for the notes of a folder (and its subfolders). A note can pick one with the ${PROFILE_PROPERTY} property, or set single options with perplexity-preset, perplexity-domains, perplexity-recency and perplexity-language. Empty fields keep the value from the settings above.`,
    )
    .setHeading()
    .addButton((b) =>
      b.setButtonText("Add profile").onClick(async () => {
        host.settings.profiles.push(emptyProfile(uniqueName(host.settings.profiles)));
        await host.saveSettings();
        redraw();
      }),
    );
  const save = () => host.saveSettings();
  for (const profile of host.settings.profiles) {
    const head = new Setting(container).setName(`Profile: ${profile.name}`);
    head.addText((t) =>
      t.setValue(profile.name).onChange(async (value) => {
        const name = value.trim();
        // Names are how notes pick a profile: never empty, never two alike.
        if (!name || host.settings.profiles.some((p) => p !== profile && p.name === name)) return;
        profile.name = name;
        head.setName(`Profile: ${name}`);
        await save();
      }),
    );
    head.addExtraButton((b) =>
      b
        .setIcon("trash")
        .setTooltip("Delete this profile")
        .onClick(async () => {
          host.settings.profiles = host.settings.profiles.filter((p) => p !== profile);
          await save();
          redraw();
        }),
    );
    const text = (key: "preset" | "language" | "after" | "before", name: string, placeholder: string) =>
      new Setting(container).setName(name).addText((t) =>
        t
          .setPlaceholder(placeholder)
          .setValue(profile[key])
          .onChange(async (value) => {
            profile[key] = value.trim();
            await save();
          }),
      );
    text("preset", "Preset or model", "fast, high, or provider/model");
    new Setting(container).setName("Domains").addTextArea((t) =>
      t.setValue(profile.domains).onChange(async (value) => {
        profile.domains = value;
        await save();
      }),
    );
    new Setting(container).setName("Recency").addDropdown((d) => {
      d.addOption("", "From the settings");
      for (const r of RECENCY_FILTERS) d.addOption(r, `Past ${r}`);
      d.setValue(profile.recency).onChange(async (value) => {
        profile.recency = value;
        await save();
      });
    });
    text("after", "Sources published after", "yyyy-MM-dd (replaces recency)");
    text("before", "Sources published before", "yyyy-MM-dd (replaces recency)");
    new Setting(container).setName("Search context size").addDropdown((d) => {
      d.addOption("", "From the settings");
      for (const size of SEARCH_CONTEXT_SIZES) d.addOption(size, size);
      d.setValue(profile.contextSize).onChange(async (value) => {
        profile.contextSize = value;
        await save();
      });
    });
    text("language", "Answer language", "for example de or German");
    new Setting(container)
      .setName("Guidance")
      .setDesc("Sent with each question, read beside it (never as instructions, so the preset's own prompt and its citations stay).")
      .addTextArea((t) =>
        t.setValue(profile.guidance).onChange(async (value) => {
          profile.guidance = value;
          await save();
        }),
      );
    const missing = profile.folders.filter((f) => f !== "" && !(app.vault.getAbstractFileByPath(normalizePath(f)) instanceof TFolder));
    const problems: string[] = [];
    profileValues(profile, problems);
    const folderDesc = [
      "One folder per line; its notes and those of its subfolders use this profile. The nearest folder's profile wins.",
      missing.length ? `Not found in the vault (renamed or deleted while the plugin was off?): ${missing.join(", ")}.` : "",
      ...problems.map((p) => `${p}.`),
    ]
      .filter(Boolean)
      .join(" ");
    new Setting(container)
      .setName("Folders")
      .setDesc(folderDesc)
      .addTextArea((t) =>
        // The vault root is kept as "" and shown as "/", so that a blank line never stands for it.
        t.setValue(profile.folders.map((f) => (f === "" ? "/" : f)).join("\n")).onChange(async (value) => {
          profile.folders = value
            .split("\n")
            .map((f) => f.trim())
            .filter(Boolean)
            .map((f) => normalizeFolder(f === "/" ? "" : normalizePath(f)));
          await save();
        }),
      );
  }
  new Setting(container)
    .setName("Refresh with the current profile")
    .setDesc("Off: a refresh asks exactly as the answer was first asked (the block records its options). On: it asks with the options the note's profile and properties give now.")
    .addToggle((t) =>
      t.setValue(host.settings.refreshAppliesProfile).onChange(async (value) => {
        host.settings.refreshAppliesProfile = value;
        await save();
      }),
    );
}
