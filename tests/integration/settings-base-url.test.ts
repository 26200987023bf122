// The Base URL setting as a user types into it: an address that is not http(s) is refused with the reason
// (the saved value stays), and Perplexity's bare origin is saved as its /v1 address.
import { afterEach, describe, expect, it } from "vitest";
import { normalizeSettings } from "../../src/settings";
import { settingRow, startHarness, typeInto, type Harness } from "./harness";

let h: Harness;
afterEach(() => h.close());

describe("Base URL setting", () => {
  it("refuses what is not an http(s) address, saying why, and normalises Perplexity's bare origin", async () => {
    h = await startHarness();
    const saved = h.plugin.settings.baseUrl;
    const tab = (h.plugin as unknown as { settingTabs__: { display(): void; containerEl: HTMLElement }[] }).settingTabs__[0]!;
    tab.display();
    const { input, desc } = settingRow(tab.containerEl, "Base URL");

    await typeInto(input, "127.0.0.1:8787");
    expect(desc.textContent).toContain("The base URL is not a web address");
    expect(desc.classList.contains("mod-warning")).toBe(true);
    expect(h.plugin.settings.baseUrl).toBe(saved);

    await typeInto(input, "ftp://api.perplexity.ai/v1");
    expect(desc.textContent).toContain("uses ftp, not http or https");
    expect(h.plugin.settings.baseUrl).toBe(saved);

    await typeInto(input, "https://api.perplexity.ai/");
    expect(desc.textContent).toContain("Perplexity's Agent API");
    expect(desc.classList.contains("mod-warning")).toBe(false);
    // Accepted and saved; read back (as on the next start) it means the /v1 address.
    expect(h.plugin.settings.baseUrl).not.toBe(saved);
    expect(normalizeSettings({ baseUrl: h.plugin.settings.baseUrl }).baseUrl).toBe("https://api.perplexity.ai/v1");
  });
});
