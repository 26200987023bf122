// An independent reading of a note, to judge the plugin's structure layer with something it is not made of:
// micromark, the CommonMark parser behind remark (Obsidian's metadata cache reports remark's section kinds:
// `yaml`, `thematicBreak`, `footnoteDefinition`…), through mdast-util-from-markdown with GFM (tables, footnotes),
// front matter and math. It knows nothing of the plugin's parser. What it does not know of Obsidian is said where
// a test relies on it: `%%` comments (no maintained micromark extension reads them: `commentsOf` pairs them by the
// rule alone), `$$` display math (see `mathText`) and callouts (blockquotes whose first line holds `[!type]`, read
// here from that line as Obsidian's help describes them).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { fromMarkdown } from "mdast-util-from-markdown";
import { frontmatterFromMarkdown } from "mdast-util-frontmatter";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { mathFromMarkdown } from "mdast-util-math";
import { frontmatter } from "micromark-extension-frontmatter";
import { gfm } from "micromark-extension-gfm";

export interface JudgedBlock {
  /** mdast node type: paragraph, heading, blockquote, list, code, table, html, yaml, thematicBreak, … */
  type: string;
  from: number;
  to: number;
  text: string;
  /** For a blockquote whose first line is `[!type]…`: the callout type, lower-cased. */
  callout?: string;
}

interface Node {
  type: string;
  position?: { start: { offset?: number }; end: { offset?: number } };
  children?: Node[];
}

// Math by its text construct only: micromark's `$$` block closes only on a line of its own, Obsidian's at any `$$`
// (`\end{equation}$$`, as notes of the corpus write it), and Obsidian shows `$$x$$` as display math wherever it
// stands in a paragraph; read as text, `$$…$$` pairs within a paragraph, over its lines.
// Its syntax module only: the package's entry also loads its HTML renderer, and with it KaTeX, which warns on
// loading in a document in quirks mode (the demo's runtime).
const mathEntry = createRequire(import.meta.url).resolve("micromark-extension-math");
const { math } = (await import(pathToFileURL(join(dirname(mathEntry), "lib", "syntax.js")).href)) as typeof import("micromark-extension-math");
const mathText = { text: math().text };

function tree(text: string): Node {
  return fromMarkdown(text, {
    extensions: [frontmatter(["yaml"]), gfm(), mathText],
    mdastExtensions: [frontmatterFromMarkdown(["yaml"]), gfmFromMarkdown(), mathFromMarkdown()],
  }) as Node;
}

const CALLOUT_HEAD = /^ {0,3}> ?\[!([^\]\s]+)\]/;
const LITERAL_NODES = new Set(["code", "inlineCode", "math", "inlineMath", "html", "yaml"]);

export interface Judgement {
  /** The note's top-level blocks, in order. */
  blocks: JudgedBlock[];
  /** Source ranges `[from, to)` of code (fenced, indented, inline), math, raw HTML and front matter, in order. */
  literals: [number, number][];
  /** `%%` comments, `[from, to)`, in order (see `commentsOf`). */
  comments: [number, number][];
}

/** The note as micromark reads it (one parse: it is some 30 times slower than markdown-it). */
export function judge(text: string): Judgement {
  const root = tree(text);
  const blocks = (root.children ?? []).map((node) => {
    const from = node.position!.start.offset!;
    const to = node.position!.end.offset!;
    const block: JudgedBlock = { type: node.type, from, to, text: text.slice(from, to) };
    const callout = node.type === "blockquote" ? CALLOUT_HEAD.exec(block.text) : null;
    if (callout) block.callout = callout[1]!.toLowerCase();
    return block;
  });
  const literals: [number, number][] = [];
  const walk = (node: Node) => {
    if (LITERAL_NODES.has(node.type) && node.position) literals.push([node.position.start.offset!, node.position.end.offset!]);
    else for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  literals.sort((x, y) => x[0] - y[0]);
  return { blocks, literals, comments: commentsOf(text, literals) };
}

/**
 * `%%` comments as Obsidian's editor reads them (its help: "wrapping text with `%%`"; "Block comments can span
 * multiple lines"): each `%%` outside code, math and raw HTML pairs with the next one, over lines and blocks; one
 * never closed runs to the end. Written here from that rule alone, over micromark's literals, to judge the plugin's
 * own reading of comments. (micromark does not know comments: to it, a fence opened inside one runs on, and a `%%`
 * after it is no mark.)
 */
function commentsOf(text: string, literals: readonly [number, number][]): [number, number][] {
  // Literals are sorted and apart (none is read inside another), and marks are looked for left to right: one
  // cursor over them keeps this linear.
  let k = 0;
  const inLiteral = (at: number): boolean => {
    while (k < literals.length && literals[k]![1] <= at) k++;
    return k < literals.length && literals[k]![0] <= at;
  };
  /** The next `%%` from `from` that is a mark: not in a literal, not after a backslash. */
  const nextMark = (from: number): number => {
    for (let at = text.indexOf("%%", from); at !== -1; at = text.indexOf("%%", at + 1)) {
      if (!inLiteral(at) && text[at - 1] !== "\\") return at;
    }
    return -1;
  };
  const out: [number, number][] = [];
  for (let open = nextMark(0); open !== -1; ) {
    // Inside a comment any `%%` closes it.
    const close = text.indexOf("%%", open + 2);
    if (close === -1) {
      out.push([open, text.length]);
      break;
    }
    out.push([open, close + 2]);
    open = nextMark(close + 2);
  }
  return out;
}
