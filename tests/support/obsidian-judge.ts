// The judge of what web text became in a note: the written Markdown rendered by a CommonMark renderer (markdown-it,
// with raw HTML on, as Obsidian's reading view renders it) extended with the Obsidian and plugin syntax we model,
// each as its own rule written here, apart from the plugin's code (src/core/sanitize.ts never recognises these:
// it escapes characters). A finding is anything that would do something in Obsidian: raw HTML, an image, a link
// that is not http(s), an embed or wikilink, a tag, a comment, math, a highlight, a footnote, a task box, a Dataview
// field or inline query, a Meta Bind field, a Templater tag, a heading, a callout, a block id, a rendering fence
// language, or a control or direction character. Sources: docs in /work/team/obsidian-markdown-semantics.md
// (Obsidian's help vault, Dataview's, Meta Bind's and Templater's code).
import MarkdownIt from "markdown-it";
import type { StateInline, Token } from "markdown-it";

/**
 * Fence languages that render, query or run something, as their plugins register them (the judge's own list,
 * apart from the sanitizer's allowlist, so that a language the sanitizer wrongly allows is still caught): Obsidian
 * (mermaid, query, base, math), Dataview, Datacore, Tasks, Meta Bind, JS Engine, Admonition (`ad-*`), Charts,
 * PlantUML, TikZJax, Excalidraw, Kanban, Buttons, Leaflet, Graphviz, Vega, Markmap, Execute Code's `run-*`.
 */
export const LIVE_FENCE_LANGUAGES: ReadonlySet<string> = new Set([
  "mermaid", "query", "base", "bases", "math", "dataview", "dataviewjs", "datacore", "datacorejs", "datacorejsx", "datacorets",
  "datacoretsx", "tasks", "meta-bind", "meta-bind-button", "meta-bind-embed", "meta-bind-js-view", "js-engine", "chart",
  "plantuml", "plantuml-svg", "plantuml-ascii", "tikz", "excalidraw", "compressed-json", "kanban", "button", "leaflet",
  "dot", "graphviz", "vega", "vega-lite", "markmap", "abc", "smiles", "timeline", "todoist", "dataviewjsx",
]);
const LIVE_FENCE_PREFIXES = ["ad-", "run-", "meta-bind", "js-engine", "dataview", "datacore"];

type InlineRule = (state: StateInline, silent: boolean) => boolean;

/** An inline rule that turns `re` matched at the position into a token of `type`. */
function syntax(type: string, re: RegExp, first: number): InlineRule {
  return (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== first) return false;
    re.lastIndex = state.pos;
    const m = re.exec(state.src);
    if (!m || m.index !== state.pos) return false;
    // A tag needs a line start or whitespace before it (Obsidian's own tag regex).
    if (type === "tag" && state.pos > 0 && !/\s/.test(state.src[state.pos - 1]!)) return false;
    if (!silent) {
      const t = state.push(type, "", 0);
      t.content = m[0];
    }
    state.pos += m[0].length;
    return true;
  };
}

function judgeParser(): MarkdownIt {
  const md = new MarkdownIt("commonmark", { html: true }).enable(["table", "strikethrough"]);
  md.inline.ruler.before("link", "embed", syntax("embed", /!\[\[[^\]\n]+\]\]/y, 0x21));
  md.inline.ruler.before("link", "wikilink", syntax("wikilink", /\[\[[^\]\n]+\]\]/y, 0x5b));
  md.inline.ruler.before("link", "inline_field", syntax("inline_field", /\[[^[\]()\n]+::[^\]\n]*\]/y, 0x5b));
  md.inline.ruler.before("link", "paren_field", syntax("inline_field", /\([^[\]()\n]+::[^)\n]*\)/y, 0x28));
  md.inline.ruler.before("link", "footnote", syntax("footnote", /\[\^[^\]\s]+\]/y, 0x5b));
  md.inline.ruler.before("emphasis", "inline_footnote", syntax("footnote", /\^\[[^\]]*\]/y, 0x5e));
  md.inline.ruler.before("emphasis", "highlight", syntax("highlight", /==[^=\n](?:[^\n]*?[^=\n])?==/y, 0x3d));
  md.inline.ruler.before("emphasis", "comment", syntax("comment", /%%/y, 0x25));
  md.inline.ruler.before("emphasis", "math", syntax("math", /\$\$[\s\S]+?\$\$|\$[^\s$](?:[^$\n]*[^\s$])?\$(?![0-9])/y, 0x24));
  md.inline.ruler.before("emphasis", "tag", syntax("tag", /#[^\u2000-\u206F\u2E00-\u2E7F'!"#$%&()*+,.:;<=>?@^`{|}~[\]\\\s]*[^\u2000-\u206F\u2E00-\u2E7F'!"#$%&()*+,.:;<=>?@^`{|}~[\]\\\s0-9][^\u2000-\u206F\u2E00-\u2E7F'!"#$%&()*+,.:;<=>?@^`{|}~[\]\\\s]*/y, 0x23));
  md.inline.ruler.before("emphasis", "block_id", syntax("block_id", /\^[A-Za-z0-9-]+(?=\s*$)/y, 0x5e));
  return md;
}

const md = judgeParser();
const ALLOWED_BLOCKS = new Set([
  "paragraph_open", "paragraph_close", "bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close",
  "list_item_open", "list_item_close", "blockquote_open", "blockquote_close", "table_open", "table_close", "thead_open",
  "thead_close", "tbody_open", "tbody_close", "tr_open", "tr_close", "th_open", "th_close", "td_open", "td_close", "inline",
  "fence", "code_block",
]);
const ALLOWED_INLINE = new Set(["text", "softbreak", "hardbreak", "code_inline", "em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close", "link_open", "link_close"]);
// Controls (but tab and newline), direction controls, and what hides text: zero-width space, word joiner and the
// invisible operators, BOM, tag characters (a flag's few tags aside, which answers never need).
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u2060-\u2064\ufeff\u061c\u{e0000}-\u{e007f}]/u;

/** Code a plugin evaluates or runs (Dataview trims with JavaScript's trim before its prefixes). */
function liveCode(code: string): string | null {
  const t = code.trim();
  if (t.startsWith("=") || t.startsWith("$=")) return "a Dataview inline query";
  if (/^(?:INPUT|VIEW|BUTTON)\[/.test(code) || /^(?:INPUT|VIEW|BUTTON)\[/.test(t)) return "a Meta Bind field";
  return null;
}

/**
 * What would do something in Obsidian if `markdown` were written into a note: empty when nothing. `citations`: the
 * source IDs whose wikilinks the plugin itself wrote (a citation link is the one wikilink an answer may hold).
 */
export function findings(markdown: string, citations: readonly string[] = []): string[] {
  const out: string[] = [];
  if (CONTROL.test(markdown)) out.push("a control or direction character");
  const tokens = md.parse(markdown, {});
  // Tasks and Dataview read raw lines, whatever Markdown makes of them (their own regexes); Tasks skips code.
  const code = new Set<number>();
  for (const t of tokens) if ((t.type === "fence" || t.type === "code_block") && t.map) for (let l = t.map[0]; l < t.map[1]; l++) code.add(l);
  markdown.split("\n").forEach((line, n) => {
    if (!code.has(n) && /^[\s>]*([-*+]|\d+[.)]) +\[.\]/.test(line)) out.push(`a task: ${line}`);
    if (/^[\s>*_-]*[\p{L}\p{N}][\p{L}\p{N}_ /-]*::/u.test(line.trim()) || /[[(][^[\]()\n]+::[^\n]*?[\])]/.test(line)) out.push(`a Dataview field: ${line}`);
  });
  const inline = (children: readonly Token[]) => {
    for (const t of children) {
      const citation = t.type === "wikilink" && citations.some((id) => new RegExp(`^\\[\\[(?:[^\\]|]*/)?${id}(?:\\\\?\\|${id})?\\]\\]$`).test(t.content));
      if (!ALLOWED_INLINE.has(t.type) && !citation) out.push(`${t.type}: ${t.content || t.markup}`);
      if (t.type === "link_open") {
        const href = t.attrGet("href") ?? "";
        if (!/^https?:\/\//i.test(href)) out.push(`a link to ${href}`);
      }
      if (t.type === "code_inline" && liveCode(t.content)) out.push(`${liveCode(t.content)}: ${t.content}`);
      if (t.type === "text" && /<%/.test(t.content)) out.push(`a Templater tag: ${t.content}`);
      // A character reference ("&#x202E;") is the character it names once rendered.
      if (t.type === "text" && CONTROL.test(t.content)) out.push(`a control or direction character, referenced: ${JSON.stringify(t.content)}`);
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!ALLOWED_BLOCKS.has(t.type)) out.push(`${t.type}: ${t.content || t.markup}`);
    if (t.type === "inline") inline(t.children ?? []);
    if (t.type === "fence") {
      const lang = t.info.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      if (LIVE_FENCE_LANGUAGES.has(lang) || LIVE_FENCE_PREFIXES.some((p) => lang.startsWith(p))) out.push(`a ${lang} fence`);
    }
    if ((t.type === "fence" || t.type === "code_block") && (liveCode(t.content) || t.content.includes("<%"))) out.push(`live code: ${t.content}`);
    if (t.type === "blockquote_open" && tokens[i + 2]?.type === "inline" && /^\[![^\]]+\]/.test(tokens[i + 2]!.content)) out.push("a callout");
  }
  return out;
}

/** The text a reader sees, code and all (for "renders as the characters the model wrote"). */
export function renderedText(markdown: string): string {
  const html = md.render(markdown);
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}
