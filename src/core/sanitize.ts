// Web text (answers, and search-result titles and snippets) is untrusted: a page Perplexity read can steer what the
// model writes. So it is parsed with the one Markdown parser (src/core/markdown) and written back through an
// allowlist: paragraphs, emphasis and strikethrough, lists, tables, blockquotes, inline and fenced code (an inert
// language, or `text`), http(s) links, and Perplexity's citation markers. Everything else (raw HTML, images and
// embeds, wikilinks, tags, comments, math, footnotes, task boxes, Dataview fields, callouts, headings' outline
// entries...) is written as escaped text that reads as the characters the model wrote (escape.ts). Headings become
// bold paragraphs: inside an answer they would join the note's outline, its heading links and Dataview's sections,
// which belong to the user. Each paragraph is read back once written: markup that only the written text holds
// (markers meeting at a line start, made by what was dropped between them) sends it back as plain text. Each token
// is written once and each paragraph read once, so the time is linear in the answer's length.
import type { Token } from "markdown-it";
import { lineAt, lineStartsOf, markdownParser, topLevelRuns } from "./markdown";
import type { TopLevelRun } from "./markdown";
import { escapeLineStarts, escapeText, unescapeText } from "./markdown/escape";
import { containAnswer, normalizeNewlines } from "./block/contain";
import { cleanWebText } from "./web-text";

export { escapeDisplayText, unescapeText } from "./markdown/escape";

/** Answers longer than this (characters) are cut at a paragraph. */
export const MAX_ANSWER_LENGTH = 1_000_000;

/**
 * Fence languages that only get syntax highlighting, in Obsidian and in the plugins we know of: anything else
 * (`dataviewjs`, `mermaid`, `query`, `base`, `tasks`, `meta-bind`, `js-engine`, `ad-*`, `chart`, `plantuml`...)
 * renders, queries or runs something, so its fence becomes `text`. (Execute Code adds a Run button to ordinary
 * language fences; running one is the reader's own click.)
 */
export const INERT_FENCE_LANGUAGES: ReadonlySet<string> = new Set([
  "text", "txt", "plain", "plaintext", "markdown", "md", "json", "jsonc", "json5", "yaml", "yml", "toml", "ini", "xml",
  "html", "css", "scss", "sass", "less", "sql", "graphql", "python", "py", "ruby", "rb", "go", "rust", "rs", "java",
  "kotlin", "kt", "scala", "c", "h", "cpp", "c++", "hpp", "cs", "csharp", "fsharp", "swift", "objectivec", "php",
  "perl", "lua", "r", "julia", "matlab", "octave", "haskell", "hs", "elixir", "erlang", "clojure", "lisp", "scheme",
  "ocaml", "dart", "zig", "nim", "bash", "sh", "shell", "zsh", "fish", "powershell", "ps1", "bat", "cmd",
  "dockerfile", "makefile", "cmake", "nginx", "diff", "patch", "csv", "tsv", "latex", "tex", "bibtex", "typescript",
  "ts", "tsx", "javascript", "js", "jsx", "mjs", "cjs", "vue", "svelte", "solidity", "protobuf", "proto", "regex",
  "log", "console", "http", "apacheconf", "vim", "prolog", "fortran", "cobol", "asm", "nasm", "wasm", "verilog", "vhdl",
]);

/** How a citation marker (`[7]`, `[web:7]`, `[page:2]`) is written: a link, "" to remove it, or null to keep it as text. */
export type CitationLinker = (id: number, type: string | undefined) => string | null;

export interface SanitizeOptions {
  /** Citation markers in text become what this gives. Without it they stay text. */
  cite?: CitationLinker;
}

/** The line an answer cut at `MAX_ANSWER_LENGTH` ends with. */
export function answerCutLine(droppedChars: number): string {
  return `*Answer cut at 1 MB: the rest of Perplexity's answer (${Math.ceil(droppedChars / 1000).toLocaleString("en-US")} KB more) was left out.*`;
}

/**
 * Link references that keep nothing: a definition in web text (`[1]: https://…`) is read, and not written (it is
 * invisible Markdown), but defines nothing. A definition is document-wide: it would turn the answer's citation
 * markers into links to its destination, and make a streamed block read differently once a later block arrives.
 */
const NO_REFERENCES: object = new Proxy({}, { get: () => undefined, set: () => true, has: () => false });
/** A parse's env for web text: a fresh one each time, as the parser writes into it. */
const webTextEnv = () => ({ references: NO_REFERENCES });
const MARKER = /\[(?:([a-z][a-z_]{0,19}):)?(\d{1,9})\]/g;

/**
 * A line Dataview reads as an inline field, wherever it stands (it reads code too, its issue #2561): `key:: value`
 * as the whole line, or `[key:: value]` / `(key:: value)` anywhere in it.
 */
const DATAVIEW_FIELD = /^[^\p{L}\p{N}\n]*[\p{L}\p{N}][\p{L}\p{N}_ /-]*::|[[(][^[\]()\n]+::/mu;

/** JavaScript's `trim()`, which Dataview applies before looking for `=` and `$=` (it removes U+00A0 and U+FEFF). */
function startsLikeQuery(code: string): boolean {
  const t = code.trim();
  return t.startsWith("=") || t.startsWith("$=") || /^(?:INPUT|VIEW|BUTTON)\[/.test(code) || /^(?:INPUT|VIEW|BUTTON)\[/.test(t);
}

/**
 * Code that plugins leave as code: not a Dataview inline query (`=`, `$=`, evaluated in any `<code>` after
 * trimming), not a Meta Bind field (`INPUT[`, `VIEW[`, `BUTTON[`), no Templater tag (`<%`, run even inside code),
 * no line Dataview would index as a field. Other code is written as text (a C++ line `std::cout` included: Dataview
 * would read it as the field `std`).
 */
export function isInertCode(code: string): boolean {
  return !startsLikeQuery(code) && !code.includes("<%") && !DATAVIEW_FIELD.test(code);
}

/** Inline code is read by Dataview with the line around it, so any "::" in it could end a field the text begins. */
function isInertSpan(code: string): boolean {
  return isInertCode(code) && !code.includes("::");
}

/** Text as Markdown, with a Templater tag broken visibly ("<%" reads the same in any rendered text, so escaping is not enough). */
function textOf(s: string): string {
  return escapeText(s.includes("<%") ? s.replace(/<%/g, "< %") : s);
}

/** Whether `c` is a space or a tab (the whitespace Markdown trims around a line). */
function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/** `s` without spaces and tabs at its end (a loop: a regex anchored at the end is quadratic on long runs). */
function trimBlankEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}

function trimBlank(s: string): string {
  let start = 0;
  while (start < s.length && isBlank(s[start])) start++;
  return trimBlankEnd(start === 0 ? s : s.slice(start));
}

/** Whether `s` ends at the start of a line: after a newline and nothing but spaces and tabs. */
function endsAtLineStart(s: string): boolean {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return end > 0 && s[end - 1] === "\n";
}

/**
 * A character reference (`&#13;`, `&#x202E;`) decoded: the parser decodes it after the web text was cleaned, so it
 * is cleaned here (web-text.ts), and a line break it spells is a space (it is no line break in Markdown either).
 */
function referencedText(decoded: string): string {
  return cleanWebText(decoded).replace(/[\r\n]/g, " ");
}

/** An http(s) URL, percent-encoded and with Markdown's link characters escaped, or null. */
export function safeLinkDestination(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  // After the host, percent-encoded (the same URL): "::", as "(…:: …)" in a line is a Dataview field, and "|",
  // which in a table cell ends the cell in the middle of the link (the URL parser leaves it as it is).
  const afterHost = url.href.indexOf("/", url.protocol.length + 2);
  const encoded =
    afterHost === -1 ? url.href : url.href.slice(0, afterHost) + url.href.slice(afterHost).replace(/::+/g, (colons) => "%3A".repeat(colons.length)).replace(/\|/g, "%7C");
  return escapeLinkUrl(encoded);
}

interface Context {
  cite: CitationLinker | undefined;
  /** Inside a table cell: "|" in our own links is escaped too. */
  inTable: boolean;
  /** The first paragraph of a list item. */
  itemStart?: boolean;
  /** How many lists hold this block. */
  depth?: number;
  /** Emphasis and strikethrough are left out (a paragraph whose markers would not read back as written). */
  plain?: boolean;
  /** A heading's or a table cell's text: line breaks are spaces. */
  oneLine?: boolean;
  /** The markup written (emphasis, strikethrough and code spans, opening and closing), to compare with what is read back. */
  written?: string[];
}

/** A run of backticks longer than any in `code`. */
function fenceFor(code: string, char: string, min: number): string {
  let longest = 0;
  for (const m of code.matchAll(char === "`" ? /`+/g : /~+/g)) longest = Math.max(longest, m[0].length);
  return char.repeat(Math.max(min, longest + 1));
}

function codeSpan(code: string): string {
  const ticks = fenceFor(code, "`", 1);
  // The parser strips one space at each end when both are there (markdown-it also for code of spaces only).
  const pad = code.startsWith("`") || code.endsWith("`") || (code.startsWith(" ") && code.endsWith(" ")) ? " " : "";
  return `${ticks}${pad}${code}${pad}${ticks}`;
}

/**
 * Citation markers of a text, as links where `cite` gives one; the rest escaped. The text around a marker that is
 * removed is escaped as one, so that characters meeting there ("key:" and ": value") are escaped as neighbours.
 */
function citedText(s: string, ctx: Context, before: { char: string }, escapedBrackets: ReadonlySet<number>, atLineStart: boolean): string {
  if (ctx.cite === undefined || !s.includes("[")) {
    const out = textOf(s);
    if (s !== "") before.char = s[s.length - 1]!;
    return out;
  }
  let out = "";
  // Text not yet escaped: since the last link written.
  let raw = "";
  let at = 0;
  for (const m of s.matchAll(MARKER)) {
    // "[[1]]" is no marker: those are a wikilink's words (and "\\[1]" one the model escaped).
    if (s[m.index - 1] === "[" || s[m.index + m[0].length] === "]" || escapedBrackets.has(m.index)) continue;
    // "[3]: …" starting a line reads as a list of references, not a citation.
    if (atLineStart && m.index === 0 && s[m[0].length] === ":") continue;
    const link = ctx.cite(Number(m[2]), m[1]);
    if (link === null) continue;
    const textBefore = raw + s.slice(at, m.index);
    at = m.index + m[0].length;
    if (link === "") {
      // A marker that is removed takes the spaces before it along (not a line's indentation).
      const lineStart = endsAtLineStart(textBefore) || (out === "" && atLineStart && trimBlank(textBefore) === "");
      raw = lineStart ? textBefore : trimBlankEnd(textBefore);
      continue;
    }
    out += textOf(textBefore);
    raw = "";
    // A space before each link keeps "text.[1][3]" readable: "text. [[a]] [[b]]", not "text.[[a]][[b]]".
    const prev = textBefore !== "" ? textBefore[textBefore.length - 1]! : out !== "" ? "]" : before.char;
    const glued = prev !== "" && !/[\s([{]/.test(prev);
    out += (glued ? " " : "") + (ctx.inTable ? link.replace(/\|/g, "\\|") : link);
    before.char = ")";
  }
  out += textOf(raw + s.slice(at));
  if (s !== "") before.char = s[s.length - 1]!;
  return out;
}

/**
 * Pieces of inline Markdown joined, with a `=` or `:` that meets its twin across two pieces escaped: each piece is
 * escaped on its own, and "==" (a highlight) or "::" (a Dataview field) may only form where they meet. So may "!["
 * (an image or embed): a "!" before a written link is escaped.
 */
function joinPieces(pieces: readonly string[]): string {
  // Parts joined once at the end, and the last two characters written kept aside: reading characters of a string
  // being built by `+=` flattens it each time, which is quadratic over a long paragraph.
  const parts: string[] = [];
  let tail = "";
  let previous = "";
  const write = (s: string) => {
    if (s === "") return;
    parts.push(s);
    tail = (tail + s).slice(-2);
  };
  for (const piece of pieces) {
    const c = piece[0];
    const unescaped = tail[tail.length - 2] !== "\\";
    if ((c === "=" || c === ":") && tail[tail.length - 1] === c && unescaped) write("\\");
    // A "!" the text ends with would make the link that follows an image (or an embed).
    else if (c === "[" && tail[tail.length - 1] === "!" && unescaped) {
      // The "!" is the last character of the last part written.
      const at = parts.length - 1;
      parts[at] = `${parts[at]!.slice(0, -1)}\\!`;
      tail = (tail.slice(0, -1) + "\\!").slice(-2);
    }
    // Two code spans side by side (what was between them dropped) would read as one: a space keeps them apart.
    // (Only a code span's piece starts with a backtick: text escapes its own.)
    else if (c === "`" && previous.startsWith("`")) write(" ");
    write(piece);
    if (piece !== "") previous = piece;
  }
  return parts.join("");
}

/**
 * Inline tokens as Markdown. Text that is written as text (text itself, raw HTML, math, code a plugin would run,
 * the words of a link or image that is dropped) is gathered until the next piece of markup and escaped in one go,
 * so that characters which only mean something side by side ("==", "::") are escaped wherever they meet.
 */
function inline(tokens: readonly Token[], ctx: Context): string {
  // Pieces of Markdown (joined once at the end: emphasis that held nothing is taken back by dropping its piece).
  const out: string[] = [];
  let last = "";
  let pending = "";
  const before = { char: "" };
  const opened: number[] = [];
  const escapedBrackets = new Set<number>();
  // At the start of a list item, "[x](…)" would read to the Tasks plugin as a task box "[x]": only its words are kept.
  const taskBoxAt = (text: string) => {
    if (ctx.itemStart !== true || !/^.$/u.test(unescapeText(text))) return false;
    flush();
    return out.every((piece) => piece.trim() === "");
  };
  const flush = () => {
    if (pending === "") return;
    last = citedText(pending, ctx, before, escapedBrackets, out.length === 0 || last.endsWith("\n"));
    out.push(last);
    pending = "";
    escapedBrackets.clear();
  };
  const emit = (markdown: string, lastChar: string) => {
    flush();
    out.push(markdown);
    last = markdown;
    before.char = lastChar;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case "text":
        pending += t.content;
        break;
      case "text_special":
        // A character the model escaped is text like any other, but an escaped "\[1]" is no marker.
        if (t.info === "escape" && t.content === "[") escapedBrackets.add(pending.length);
        pending += t.info === "entity" ? referencedText(t.content) : t.content;
        break;
      case "softbreak":
      case "hardbreak":
        if (ctx.oneLine) pending += " ";
        else emit(t.type === "softbreak" ? "\n" : "\\\n", " ");
        break;
      case "code_inline":
        // In a table a "|" ends the cell even inside code, unless escaped (GFM; the parser dropped the backslash).
        if (isInertSpan(t.content)) {
          emit(codeSpan(ctx.inTable ? t.content.replace(/\|/g, "\\|") : t.content), "`");
          ctx.written?.push(t.type);
        } else pending += "`" + t.content + "`";
        break;
      case "em_open":
      case "strong_open":
      case "s_open":
        if (ctx.plain) break;
        // The delimiters as written ("*" or "_"): whether they open and close depends on them and their neighbours.
        emit(t.markup, before.char);
        opened.push(out.length);
        ctx.written?.push(t.type);
        break;
      case "em_close":
      case "strong_close":
      case "s_close": {
        if (ctx.plain) break;
        flush();
        const at = opened.pop();
        // Emphasis around nothing (what it held was dropped) is not written: "**" alone would read as text.
        if (at === out.length) {
          out.pop();
          last = out[out.length - 1] ?? "";
          ctx.written?.pop();
        } else {
          emit(t.markup, before.char);
          ctx.written?.push(t.type);
        }
        break;
      }
      case "link_open": {
        const dest = safeLinkDestination(t.attrGet("href") ?? "");
        // A link that is not kept is only its words (the loop goes on through them).
        if (dest === null) break;
        let depth = 1;
        let j = i + 1;
        while (j < tokens.length && depth > 0) {
          if (tokens[j]!.type === "link_open") depth++;
          if (tokens[j]!.type === "link_close") depth--;
          j++;
        }
        // A link's text has no citations of its own (a marker there would nest links).
        const text = inline(tokens.slice(i + 1, j - 1), { ...ctx, cite: undefined, itemStart: false });
        if (taskBoxAt(text)) pending += unescapeText(text);
        else emit(`[${text === "" ? escapeText(t.attrGet("href") ?? "") : text}](${dest})`, ")");
        i = j - 1;
        break;
      }
      case "link_close":
        break;
      case "image": {
        // No image is loaded: an http(s) image becomes a link to it, any other is its description.
        const dest = safeLinkDestination(t.attrGet("src") ?? "");
        if (dest === null) {
          pending += (t.children ?? []).map((c) => (c.type === "text_special" && c.info === "entity" ? referencedText(c.content) : c.content)).join("");
          break;
        }
        const alt = inline(t.children ?? [], { ...ctx, cite: undefined, itemStart: false }) || "image";
        if (taskBoxAt(alt)) pending += unescapeText(alt);
        else emit(`[${alt}](${dest})`, ")");
        break;
      }
      default:
        // Raw HTML, math, and anything else a parser extension might produce: the characters it holds.
        pending += t.content;
    }
  }
  flush();
  // A line break that ends the text breaks nothing (and a lone "\\" would read as a backslash), nor do spaces.
  while (out.length > 0 && (out[out.length - 1] === "\\\n" || out[out.length - 1]!.trim() === "")) out.pop();
  return joinPieces(out);
}

/** The index just past the closing token of the block opened at `i`. */
function closeOf(tokens: readonly Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    depth += tokens[j]!.nesting;
    if (depth === 0) return j + 1;
  }
  return tokens.length;
}

/** Escaped inline Markdown as the lines of a paragraph: no line can start a block, no space around a line (indentation
 *  could make code, trailing spaces a line break; a hard break is written "\\"), no blank line. */
function paragraphLines(markdown: string): string[] {
  // A line of nothing but spaces (a dropped marker's, a referenced space's) would end the paragraph: it is left out.
  const lines = markdown.split("\n").map(trimBlank).filter((l) => l !== "");
  return escapeLineStarts(lines.join("\n")).split("\n");
}

const MARKUP = new Set(["em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close", "code_inline"]);

/**
 * Whether `lines` read back as one paragraph, as they are meant to (see `paragraph`), holding the `written` markup
 * in its order (when given).
 */
function isOneParagraph(lines: readonly string[], written?: readonly string[]): boolean {
  const tokens = markdownParser().parse(lines.join("\n"), webTextEnv());
  if (tokens.length !== 3 || tokens[0]!.type !== "paragraph_open" || tokens[2]!.type !== "paragraph_close") return false;
  if (written === undefined) return true;
  let k = 0;
  for (const t of tokens[1]!.children ?? []) if (MARKUP.has(t.type) && written[k++] !== t.type) return false;
  return k === written.length;
}

/**
 * Inline tokens as the lines of one paragraph. Emphasis markers are written as they were; what lay between them
 * may have been dropped (a removed citation marker, a link that is not kept, a character reference for a space), and
 * markers meeting at a line start could then open a fence ("~~~~"), a list item ("* "), a task or a thematic break,
 * or no longer open emphasis (around a space) and show as asterisks. Read back, the lines must be one paragraph
 * with the emphasis written; if not, the paragraph is written without emphasis.
 */
function paragraph(tokens: readonly Token[], ctx: Context): string[] {
  const written: string[] = [];
  const lines = paragraphLines(inline(tokens, { ...ctx, written }));
  if (lines.join("").trim() === "" || isOneParagraph(lines, written)) return lines;
  return plainParagraph(tokens, ctx);
}

/** `paragraph` without emphasis. */
function plainParagraph(tokens: readonly Token[], ctx: Context): string[] {
  const plain = paragraphLines(inline(tokens, { ...ctx, plain: true }));
  if (isOneParagraph(plain)) return plain;
  // Without emphasis only text, code and links are left, whose line starts escapeLineStarts knows; should one still
  // start a block, every line's leading punctuation is escaped (a backslash is valid before any of it).
  return plain.map((l) => (/^[!-/:-@[-`{-~]/.test(l) && !l.startsWith("\\") ? "\\" + l : l));
}

/**
 * A heading as a bold paragraph (unless it holds bold already), read back like any paragraph: a heading inside an
 * answer would join the note's outline.
 */
function heading(tokens: readonly Token[], ctx: Context): string[] {
  const bolded = !tokens.some((c) => c.type === "strong_open");
  const written: string[] = [];
  const text = inline(tokens, { ...ctx, oneLine: true, written }).trim();
  if (text === "") return [];
  const line = paragraphLines(bolded ? `**${text}**` : text);
  if (isOneParagraph(line, bolded ? ["strong_open", ...written, "strong_close"] : written)) return line;
  const plain = plainParagraph(tokens, { ...ctx, oneLine: true }).join(" ");
  const boldPlain = [`**${plain}**`];
  return isOneParagraph(boldPlain, ["strong_open", "strong_close"]) ? boldPlain : [plain];
}

/** Lines of escaped text: what a construct outside the allowlist is written as. */
function textLines(text: string): string[] {
  // Spaces around a line are not text (four in front make code, two behind a line break).
  let end = text.length;
  while (end > 0 && text[end - 1] === "\n") end--;
  const lines = text.slice(0, end).split("\n").map((l) => l.trim());
  return paragraphLines(textOf(lines.join("\n")));
}

/** Prefixes every line: `first` on the first, `rest` on the others (blank lines get the prefix trimmed). */
function indent(lines: string[], first: string, rest: string): string[] {
  return lines.map((l, k) => ((k === 0 ? first : rest) + l).trimEnd());
}

const ALIGN: Record<string, string> = { "text-align:left": ":--", "text-align:right": "--:", "text-align:center": ":-:" };

function table(tokens: readonly Token[], ctx: Context): string[] {
  const rows: string[][] = [];
  const aligns: string[] = [];
  let header = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "tr_open") rows.push([]);
    else if (t.type === "th_open" || t.type === "td_open") {
      if (header) aligns.push(ALIGN[t.attrGet("style") ?? ""] ?? "---");
      const cell = tokens[i + 1]?.type === "inline" ? inline(tokens[i + 1]!.children ?? [], { ...ctx, inTable: true, oneLine: true }) : "";
      rows[rows.length - 1]!.push(cell);
    } else if (t.type === "thead_close") header = false;
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), line(aligns), ...body.map(line)];
}

/** Block tokens `[from, to)` as lines of Markdown, blocks separated by a blank line. */
function blocks(tokens: readonly Token[], from: number, to: number, ctx: Context, tight = false): string[] {
  const out: string[] = [];
  // The list written last, if the last block written is one: a list written right after it continues it unless
  // its marker differs.
  let lastList: { ordered: boolean; other: boolean } | null = null;
  const push = (lines: string[], list: { ordered: boolean; other: boolean } | null = null) => {
    if (out.length > 0 && !tight) out.push("");
    out.push(...lines);
    lastList = list;
  };
  let i = from;
  while (i < to) {
    const t = tokens[i]!;
    const end = t.nesting === 1 ? closeOf(tokens, i) : i + 1;
    switch (t.type) {
      case "paragraph_open": {
        const lines = paragraph(tokens[i + 1]?.children ?? [], { ...ctx, itemStart: ctx.itemStart === true && out.length === 0 });
        if (lines.join("").trim() !== "") push(lines);
        break;
      }
      case "heading_open": {
        const lines = heading(tokens[i + 1]?.children ?? [], ctx);
        // A heading whose text is nothing visible is left out (an empty list item would end a list, or read as
        // a setext underline under the item before it).
        if (lines.join("").trim() !== "") push(lines);
        break;
      }
      case "bullet_list_open":
      case "ordered_list_open": {
        const ordered = t.type === "ordered_list_open";
        // Two lists in a row are two lists only if their markers differ ("-" then "*", "." then ")").
        const previous = lastList as { ordered: boolean; other: boolean } | null;
        const other = previous !== null && previous.ordered === ordered && !previous.other;
        let n = Number(t.attrGet("start") ?? 1);
        const items: string[] = [];
        const loose = tokens.slice(i, end).some((x) => x.type === "paragraph_open" && !x.hidden);
        for (let k = i + 1; k < end - 1; ) {
          const close = closeOf(tokens, k);
          // A nested list's bullet differs from its parent's, so that "- - -" (a thematic break) cannot be written.
          const bullet = other ? "* " : (ctx.depth ?? 0) % 2 === 0 ? "- " : "+ ";
          const marker = ordered ? `${n++}${other ? ")" : "."} ` : bullet;
          const content = blocks(tokens, k + 1, close - 1, { ...ctx, itemStart: true, depth: (ctx.depth ?? 0) + 1 }, !loose);
          k = close;
          // An empty item shows nothing (and a lone marker after text would read as that text's last line).
          if (content.length === 0) continue;
          if (loose && items.length > 0) items.push("");
          items.push(...indent(content, marker, " ".repeat(marker.length)));
        }
        if (items.length > 0) push(items, { ordered, other });
        break;
      }
      case "blockquote_open": {
        const content = blocks(tokens, i + 1, end - 1, ctx);
        push(content.length === 0 ? [">"] : content.map((l) => (l === "" ? ">" : `> ${l}`)));
        break;
      }
      case "table_open":
        push(table(tokens.slice(i, end), ctx));
        break;
      case "fence":
      case "code_block": {
        const code = t.content.replace(/\n$/, "");
        if (!isInertCode(t.content)) {
          push(textLines(t.type === "fence" ? `${t.markup}${t.info}\n${t.content}${t.markup}` : t.content));
          break;
        }
        const lang = (t.info.trim().split(/\s+/)[0] ?? "").toLowerCase();
        const info = lang === "" ? "" : INERT_FENCE_LANGUAGES.has(lang) ? lang : "text";
        const fence = fenceFor(code, "`", 3);
        push([fence + info, ...(code === "" ? [] : code.split("\n")), fence]);
        break;
      }
      case "hr":
        push(textLines(t.markup));
        break;
      case "footnote_reference_open": {
        const meta = t.meta as { label?: unknown } | null;
        const label = typeof meta?.label === "string" ? meta.label : "";
        const content = blocks(tokens, i + 1, end - 1, ctx);
        // Text now: its first line starts with the label as written, the rest follows as ordinary blocks.
        // Text now: the label as written, then what it held as blocks of their own.
        push([escapeText(`[^${label}]:`)]);
        if (content.length > 0) push(content);
        break;
      }
      case "front_matter":
        // Its lines between the "---" that fence it: shown as they were written.
        push(textLines(`---\n${t.content}---`));
        break;
      default:
        // Raw HTML, math, comments and whatever else: the characters as text.
        if (t.nesting === 0 && t.block) push(textLines(t.content));
        else if (t.nesting === 1) push(blocks(tokens, i + 1, end - 1, ctx));
    }
    i = end;
  }
  return out;
}

/** Where an answer longer than `MAX_ANSWER_LENGTH` is cut: the start of the top-level block that passes it. */
function cutAt(text: string): number {
  const lineStarts = lineStartsOf(text);
  const lineOfLimit = lineAt(lineStarts, MAX_ANSWER_LENGTH);
  const runs = topLevelRuns(text, lineOfLimit);
  const at = lineStarts[runs[runs.length - 1]?.startLine ?? 0]!;
  if (at > 0) return at;
  // A single block over the limit (one huge paragraph) is cut at a line break, or at the limit.
  const nl = text.lastIndexOf("\n", MAX_ANSWER_LENGTH);
  return nl > 0 ? nl : MAX_ANSWER_LENGTH;
}

/** Markdown through the allowlist, blocks separated by a blank line (no containment, no cut), its web text cleaned. */
function serialize(src: string, options: SanitizeOptions): string {
  const tokens = markdownParser().parse(cleanWebText(src), webTextEnv());
  return blocks(tokens, 0, tokens.length, { cite: options.cite, inTable: false }).join("\n");
}

/**
 * Answer text from Perplexity as it may be written into a note (see the module comment): parsed, written back
 * through the allowlist, citation markers linked by `options.cite`, cut at 1 MB with a visible line, and contained
 * (block/contain.ts). Line ends become "\n".
 */
export function sanitizeAnswer(text: string, options: SanitizeOptions = {}): string {
  let src = normalizeNewlines(text);
  let cut = "";
  if (src.length > MAX_ANSWER_LENGTH) {
    const at = cutAt(src);
    cut = answerCutLine(src.length - at);
    src = src.slice(0, at);
  }
  const out = serialize(src, options).trim();
  return containAnswer(cut === "" ? out : `${out}\n\n${cut}`);
}

function isList(run: TopLevelRun): boolean {
  const type = run.tokens[0]?.type;
  return type === "bullet_list_open" || type === "ordered_list_open";
}

/**
 * `sanitizeAnswer` for an answer that grows (the streaming display): the top-level blocks that are complete (the
 * parser has moved past them) are written once and kept; each call writes only the block still growing. What is
 * kept is what `sanitizeAnswer` writes for those blocks, as a block is read the same whatever follows it (a link
 * to a reference defined further on aside: it becomes a link in the finished answer).
 */
export class GrowingAnswer {
  private settledRaw = "";
  private settledOut = "";

  /** The blocks written for good so far (the growing one aside). */
  get settled(): string {
    return this.settledOut;
  }

  /** Forget what was written (the sources changed, so links may read differently). */
  reset(): void {
    this.settledRaw = "";
    this.settledOut = "";
  }

  sanitize(text: string, options: SanitizeOptions = {}): string {
    // Cleaned before it is split into blocks, as sanitizeAnswer parses it cleaned: an invisible character inside a
    // fence's marker would otherwise split the text where the finished answer is not split.
    const src = cleanWebText(normalizeNewlines(text));
    if (src.length > MAX_ANSWER_LENGTH) return sanitizeAnswer(src, options);
    if (!src.startsWith(this.settledRaw)) this.reset();
    const tail = src.slice(this.settledRaw.length);
    const runs = topLevelRuns(tail);
    const starts = lineStartsOf(tail);
    // The last line may still grow (and change what the line before it ends): blocks are final once a block after
    // them starts on a line that is complete.
    let next = runs.length - 1;
    while (next > 0 && runs[next]!.startLine >= starts.length - 1) next--;
    // Two lists in a row are written as one list or two depending on each other (blocks' lastList): never split there.
    while (next > 0 && isList(runs[next]!) && isList(runs[next - 1]!)) next--;
    if (next > 0) {
      const chunk = tail.slice(0, starts[runs[next]!.startLine]);
      const out = containAnswer(serialize(chunk, options).trim());
      if (out !== "") this.settledOut = this.settledOut === "" ? out : `${this.settledOut}\n\n${out}`;
      this.settledRaw += chunk;
    }
    const open = containAnswer(serialize(src.slice(this.settledRaw.length), options).trim());
    return this.settledOut === "" ? open : open === "" ? this.settledOut : `${this.settledOut}\n\n${open}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Escaping search-result text (titles, URLs) and other one-line display text

/** A URL made safe to write: whitespace (any Unicode space) and controls percent-encoded, a "%" that starts no escape becomes "%25". */
export function safeUrl(url: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  return url.replace(/%(?![0-9A-Fa-f]{2})/g, "%25").replace(/[\s\u0000-\u001f\u007f-\u009f]/g, (c) => encodeURIComponent(c));
}

const URL_SPECIALS = /[\\()<>[\]`$&]/g;

/** A URL as a Markdown link destination: `safeUrl`, then characters with inline meaning backslash-escaped. */
export function escapeLinkUrl(url: string): string {
  return safeUrl(url).replace(URL_SPECIALS, "\\$&");
}

/** Inverse of `escapeLinkUrl` for URLs already passed through `safeUrl`. */
export function unescapeLinkUrl(s: string): string {
  return s.replace(/\\([\\()<>[\]`$&])/g, "$1");
}
