// One way of writing text so that it reads as exactly the characters it holds, wherever it goes (answers, the
// question line, source titles and snippets): every character that could start Markdown or Obsidian syntax is
// backslash-escaped, which CommonMark defines for all ASCII punctuation and Obsidian's help documents. Nothing
// invisible is added, and unescaping gives the text back.

/** Characters escaped wherever they stand: emphasis, code, links, wikilinks and embeds, HTML, headings and tags,
 *  math, comments, tables, strikethrough, footnotes, block ids and entities. */
const ALWAYS = new Set(["\\", "`", "*", "_", "[", "]", "<", "#", "$", "%", "|", "~", "^", "&"]);

/**
 * Inline text as Markdown: `ALWAYS` characters escaped, and `=` and `:` in runs of two or more (highlights,
 * Dataview fields). Line starts are `escapeLineStarts`' job.
 */
export function escapeText(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (ALWAYS.has(c)) out += "\\" + c;
    else if ((c === "=" || c === ":") && (text[i + 1] === c || text[i - 1] === c)) out += "\\" + c;
    else out += c;
  }
  return out;
}

/**
 * Each line of escaped paragraph text, made unable to start a block: a list marker, a quote, an ordered list's
 * number, a thematic break or setext underline of `-` or `=`, a one-column table's delimiter row (the other block
 * starts are escaped everywhere).
 */
export function escapeLineStarts(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      // (A lone ":-", "-:" or ":-:" would make the line above a one-column table.)
      // (A thematic break may have spaces between its dashes: "-- -".)
      if (/^[-+](?=[ \t]|$)/.test(line) || /^>/.test(line) || /^(?:-[ \t]*){3,}$/.test(line) || /^(?:-+|=+)[ \t]*$/.test(line) || /^:?-+:?[ \t]*$/.test(line)) return "\\" + line;
      return line.replace(/^(\d{1,9})([.)])(?=[ \t]|$)/, "$1\\$2");
    })
    .join("\n");
}

/** One line of display text (a question, a title, a message): line breaks become spaces, then `escapeText`. */
export function escapeDisplayText(text: string): string {
  return escapeText(text.replace(/[\r\n]+/g, " "));
}

/** The inverse of the escapes above: a backslash before ASCII punctuation is dropped. */
export function unescapeText(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}
