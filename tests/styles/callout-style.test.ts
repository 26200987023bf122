// styles.css in a real browser: headless Chromium renders the callout DOM Obsidian builds, under the 1.11 and
// the 1.13 convention for `--callout-color`, light and dark, and the test reads the computed styles.
// Screenshots go to .tmp/screenshots/ (build output); UPDATE_SCREENSHOTS=1 also refreshes the README's
// images in docs/. No browser is downloaded at test time: browser.ts says which one runs (on Linux x64 the one
// npm ci brought), and when none can start this suite fails, saying what was tried.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "./browser";
import { THEMES, answerBlockHtml, citedOnlyBlockHtml, pageHtml } from "./obsidian-callout";
import type { Convention, Theme } from "./obsidian-callout";

const STYLESHEET = readFileSync("styles.css", "utf8");
const CASES: [Convention, Theme][] = [
  ["1.11", "light"],
  ["1.11", "dark"],
  ["1.13", "light"],
  ["1.13", "dark"],
];

let browser: Browser;

beforeAll(async () => {
  // Unpacking the npm package's browser the first time takes a few seconds on a busy machine.
  browser = (await launchBrowser()).browser;
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

interface Computed {
  color: string;
  fontSize: string;
}

async function render(convention: Convention, theme: Theme, body: string, stylesheet = STYLESHEET): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 760, height: 600 } });
  await page.setContent(pageHtml(convention, theme, stylesheet, body));
  return page;
}

function computed(page: Page, selector: string): Promise<Computed> {
  return page.$eval(selector, (el) => {
    const style = getComputedStyle(el);
    return { color: style.color, fontSize: style.fontSize };
  });
}

const rgb = (c: number[]) => `rgb(${c.join(", ")})`;

/** What the test asserts for one rendering; returned as a list of failures, so the old stylesheet can be shown failing too. */
async function problems(convention: Convention, theme: Theme, stylesheet = STYLESHEET, screenshot?: string): Promise<string[]> {
  const page = await render(convention, theme, answerBlockHtml(), stylesheet);
  const found: string[] = [];
  const t = THEMES[theme];
  const title = await computed(page, '.callout[data-callout="perplexity"] > .callout-title');
  const icon = await page.$eval('.callout[data-callout="perplexity"] > .callout-title .svg-icon', (el) => getComputedStyle(el).color);
  if (title.color !== rgb(t.cyan)) found.push(`answer title colour ${title.color}, want the theme's cyan ${rgb(t.cyan)}`);
  if (icon !== rgb(t.cyan)) found.push(`answer icon colour ${icon}, want ${rgb(t.cyan)}`);
  const background = await page.$eval('.callout[data-callout="perplexity"]', (el) => getComputedStyle(el).backgroundColor);
  if (background === "rgba(0, 0, 0, 0)" || background === "transparent") found.push("answer callout has no tinted background");
  const previous = await computed(page, '.callout[data-callout="perplexity-previous"] > .callout-title');
  if (previous.color !== rgb(t.quote)) found.push(`previous answer title colour ${previous.color}, want the theme's grey ${rgb(t.quote)}`);
  const paragraph = await computed(page, '.callout[data-callout="perplexity"] > .callout-content > p');
  for (const list of [".answer-list", ".previous-answer-list"]) {
    const c = await computed(page, list);
    if (c.fontSize !== paragraph.fontSize) found.push(`${list} font size ${c.fontSize}, want the text size ${paragraph.fontSize}`);
    if (c.color !== t.textNormal) found.push(`${list} colour ${c.color}, want the text colour ${t.textNormal}`);
  }
  for (const list of [".citation-list", ".other-sources-list"]) {
    const c = await computed(page, list);
    if (!(parseFloat(c.fontSize) < parseFloat(paragraph.fontSize))) found.push(`${list} font size ${c.fontSize} is not smaller than ${paragraph.fontSize}`);
    if (c.color !== t.textMuted) found.push(`${list} colour ${c.color}, want the muted colour ${t.textMuted}`);
  }
  if (screenshot) {
    mkdirSync(".tmp/screenshots", { recursive: true });
    await page.locator(".markdown-rendered").screenshot({ path: `.tmp/screenshots/${screenshot}` });
  }
  await page.close();
  return found;
}

describe("styles.css rendered in Chromium", () => {
  for (const [convention, theme] of CASES) {
    it(`answer callout on Obsidian ${convention}, ${theme} theme: theme colours, only the source lists shrunk`, async () => {
      expect(await problems(convention, theme, STYLESHEET, `callout-${convention}-${theme}.png`)).toEqual([]);
    });
  }

  it("an answer list right before the only source list keeps its size", async () => {
    for (const [convention, theme] of CASES) {
      const page = await render(convention, theme, citedOnlyBlockHtml());
      const answer = await computed(page, ".answer-list");
      const citations = await computed(page, ".citation-list");
      expect(answer.color).toBe(THEMES[theme].textNormal);
      expect(parseFloat(citations.fontSize)).toBeLessThan(parseFloat(answer.fontSize));
      await page.close();
    }
  });

  it("the stylesheet before this fix fails these checks (the check can fail)", async () => {
    const old = `.callout[data-callout="perplexity"] { --callout-color: var(--color-cyan-rgb); --callout-icon: lucide-search; }
      .callout[data-callout="perplexity"] .callout-content ul { font-size: var(--font-smaller); color: var(--text-muted); }
      .callout[data-callout="perplexity-previous"] { --callout-color: var(--color-base-50-rgb, 128, 128, 128); opacity: 0.85; }`;
    const on113 = await problems("1.13", "light", old);
    expect(on113.some((p) => p.startsWith("answer title colour"))).toBe(true);
    expect(on113.some((p) => p.startsWith(".answer-list font size"))).toBe(true);
    const on111 = await problems("1.11", "dark", old);
    expect(on111.some((p) => p.startsWith("previous answer title colour"))).toBe(true);
  });

  it("keeps the README's screenshots when asked to (UPDATE_SCREENSHOTS=1)", async () => {
    expect(existsSync(".tmp/screenshots/callout-1.13-light.png")).toBe(true);
    if (process.env.UPDATE_SCREENSHOTS !== "1") return;
    mkdirSync("docs", { recursive: true });
    for (const theme of ["light", "dark"] as const) writeFileSync(`docs/callout-${theme}.png`, readFileSync(`.tmp/screenshots/callout-1.13-${theme}.png`));
  });
});
