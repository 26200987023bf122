// What Obsidian puts around our stylesheet when it renders an answer callout: the callout DOM its Markdown
// renderer builds, the app's callout rules, and theme colours, under the two conventions for
// `--callout-color`. A stand-in for app.css, reduced to the callout rules (values from Obsidian's default
// theme); it models the app, never our stylesheet.
//  - 1.11/1.12: `--callout-color` is an RGB triplet, used as rgb(...) and rgba(..., alpha); the type
//    colours are triplets (`--callout-tip: var(--color-cyan-rgb)`).
//  - 1.13: `--callout-color` is a CSS colour, used as is and in color-mix(); the `--color-*-rgb`
//    triplets are deprecated and the type colours are colours (`--callout-tip: var(--color-cyan)`).

export type Convention = "1.11" | "1.13";
export type Theme = "light" | "dark";

interface ThemeColours {
  cyan: [number, number, number];
  quote: [number, number, number];
  textNormal: string;
  textMuted: string;
  background: string;
}

export const THEMES: Record<Theme, ThemeColours> = {
  light: { cyan: [0, 191, 188], quote: [158, 158, 158], textNormal: "rgb(34, 34, 34)", textMuted: "rgb(92, 92, 92)", background: "rgb(255, 255, 255)" },
  dark: { cyan: [83, 223, 221], quote: [135, 135, 135], textNormal: "rgb(218, 218, 218)", textMuted: "rgb(179, 179, 179)", background: "rgb(30, 30, 30)" },
};

function themeCss(theme: Theme, convention: Convention): string {
  const t = THEMES[theme];
  const triplet = (c: number[]) => c.join(", ");
  const typeColours =
    convention === "1.11"
      ? `--callout-tip: var(--color-cyan-rgb); --callout-quote: ${triplet(t.quote)}; --callout-default: var(--color-blue-rgb);`
      : `--callout-tip: var(--color-cyan); --callout-quote: rgb(${triplet(t.quote)}); --callout-default: var(--color-blue);`;
  // 1.13 no longer defines the deprecated triplets our old stylesheet relied on.
  const rgbTriplets = convention === "1.11" ? `--color-cyan-rgb: ${triplet(t.cyan)}; --color-blue-rgb: 8, 109, 221;` : "";
  return `body.theme-${theme} {
    --color-cyan: rgb(${triplet(t.cyan)}); --color-blue: rgb(8, 109, 221); ${rgbTriplets}
    ${typeColours}
    --text-accent: ${theme === "light" ? "rgb(138, 92, 245)" : "rgb(168, 130, 255)"}; --text-normal: ${t.textNormal}; --text-muted: ${t.textMuted}; --background-primary: ${t.background};
    --font-text-size: 16px; --font-smaller: 0.875em; --font-semibold: 600; --bold-weight: 600;
    --callout-border-width: 0px; --callout-border-opacity: 0.25; --callout-padding: 12px 12px 12px 24px;
    --callout-radius: 4px; --callout-title-color: inherit; --callout-content-padding: 0; --callout-content-background: transparent;
    --callout-title-size: inherit; --callout-blend-mode: normal;
    background: var(--background-primary); color: var(--text-normal); font-size: var(--font-text-size);
    font-family: sans-serif; margin: 0; padding: 16px; width: 720px;
  }`;
}

function calloutCss(convention: Convention): string {
  const colour = convention === "1.11" ? "rgb(var(--callout-color))" : "var(--callout-color)";
  const tint = (alpha: number) =>
    convention === "1.11" ? `rgba(var(--callout-color), ${alpha})` : `color-mix(in srgb, var(--callout-color) ${alpha * 100}%, transparent)`;
  return `
  .callout { --callout-color: var(--callout-default); overflow: hidden; border-style: solid;
    border-color: ${tint(0.25)}; border-width: var(--callout-border-width); border-radius: var(--callout-radius);
    margin: 1em 0; mix-blend-mode: var(--callout-blend-mode); background-color: ${tint(0.1)}; padding: var(--callout-padding); }
  .callout-title { display: flex; gap: 4px; font-size: var(--callout-title-size); color: ${colour}; align-items: flex-start; }
  .callout-icon { flex: 0 0 auto; display: flex; align-items: center; }
  .callout-icon .svg-icon { color: ${colour}; width: 18px; height: 18px; }
  .callout-title-inner { font-weight: var(--bold-weight); color: var(--callout-title-color); }
  .callout-content { overflow-x: auto; padding: var(--callout-content-padding); background-color: var(--callout-content-background); }
  ul { padding-inline-start: 24px; }
  a { color: var(--text-accent); }`;
}

const ICON = `<svg class="svg-icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><circle cx="11" cy="11" r="8"/><path d="m21 21-4.3-4.3"/></svg>`;

function callout(type: string, fold: string, title: string, content: string): string {
  return `<div data-callout-metadata="" data-callout-fold="${fold}" data-callout="${type}" class="callout is-collapsible">
  <div class="callout-title" dir="auto"><div class="callout-icon">${ICON}</div><div class="callout-title-inner">${title}</div><div class="callout-fold"></div></div>
  <div class="callout-content">${content}</div></div>`;
}

/**
 * An answer block as Obsidian renders it: the answer has a list under a bold-only paragraph (as Perplexity
 * often writes) ending right before the citations, then both source lists, then a previous answer with a list.
 * A cited source's ID links to its source note (internal link); an uncited one's links to the page itself, as
 * formatBlock writes it (`[id](url)`: only cited sources get a note).
 */
export function answerBlockHtml(): string {
  const previous = callout(
    "perplexity-previous",
    "-",
    "Previous answer (2026-10-01T09:00:00.000Z · openai/gpt-6-luna)",
    `<p>The earlier answer named three vendors <a class="internal-link" data-href="u4vyfy" href="u4vyfy">u4vyfy</a>:</p>
     <ul class="previous-answer-list"><li>OpenAI</li><li>Anthropic</li></ul>`,
  );
  return callout(
    "perplexity",
    "+",
    "Perplexity Query (2026-11-24T16:43:12.385Z)",
    `<p><strong>Question:</strong> Who are the major "Layer 1" AI model creators?<br><strong>Model:</strong> fast · openai/gpt-6-luna</p>
     <p>Three vendors lead by API traction <a class="internal-link" data-href="u4vyfy" href="u4vyfy">u4vyfy</a>.</p>
     <p><strong>Key players</strong></p>
     <ul class="answer-list"><li>OpenAI: the largest API share <a class="internal-link" data-href="npq6lz" href="npq6lz">npq6lz</a></li><li>Anthropic: growing fastest</li></ul>
     <p><strong>Citations</strong></p>
     <ul class="citation-list"><li><a class="internal-link" data-href="u4vyfy" href="u4vyfy">u4vyfy</a> 2025, Sep 14. <a class="external-link" href="https://example.com/a">In-depth Analysis of Five Major AI Projects</a>. Published: 2025-03-17 | Updated: 2025-09-14</li>
       <li><a class="internal-link" data-href="npq6lz" href="npq6lz">npq6lz</a> 2025, Sep 16. <a class="external-link" href="https://example.com/b">Top 10 AI Vendors</a>. Published: 2025-03-06 | Updated: 2025-09-16</li></ul>
     <p><strong>Other sources</strong></p>
     <ul class="other-sources-list"><li><a class="external-link" href="https://example.com/c">46fzl3</a> 2025, Jul 17. <a class="external-link" href="https://example.com/c">Top 10: Layer 1 Networks</a>.</li></ul>
     ${previous}`,
  );
}

/** The same block without other sources: the answer's list is then directly before the only source list. */
export function citedOnlyBlockHtml(): string {
  return callout(
    "perplexity",
    "+",
    "Perplexity Query (2026-11-24T16:43:12.385Z)",
    `<p><strong>Question:</strong> Which vendors?<br><strong>Model:</strong> fast</p>
     <p><strong>Key players</strong></p>
     <ul class="answer-list"><li>OpenAI</li><li>Anthropic</li></ul>
     <p><strong>Citations</strong></p>
     <ul class="citation-list"><li><a class="internal-link" data-href="u4vyfy" href="u4vyfy">u4vyfy</a> 2025, Sep 14. <a class="external-link" href="https://example.com/a">Title</a>.</li></ul>`,
  );
}

/** A whole page: app rules, theme, our stylesheet (last, as plugin styles load after the app's), the blocks. */
export function pageHtml(convention: Convention, theme: Theme, stylesheet: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${calloutCss(convention)}\n${themeCss(theme, convention)}</style>
  <style>${stylesheet}</style></head><body class="theme-${theme}"><div class="markdown-rendered">${body}</div></body></html>`;
}
