// Wikilinks inside Markdown tables: a link with an alias or a path ("[[Sources/u4vyfy|u4vyfy]]") carries a
// "|", which a table reads as a cell boundary, breaking the row. Inside a table Obsidian takes "\|" as the
// link's separator (its help: "escape the pipe in tables"); outside a table links stay as written.

/** A table's delimiter row: cells of dashes with optional alignment colons, at least one "|". */
function isDelimiterRow(line: string): boolean {
  if (!line.includes("|")) return false;
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  const cells = inner.split("|");
  return cells.length > 0 && cells.every((cell) => /^\s*:?-+:?\s*$/.test(cell));
}

/** Escapes the unescaped "|" inside each wikilink of one line. */
function escapeLinkPipes(line: string): string {
  return line.replace(/\[\[[^\]\n]*\]\]/g, (link) => link.replace(/(^|[^\\])\|/g, "$1\\|"));
}

/**
 * `text` with the "|" inside wikilinks escaped on every line of a table (header, delimiter and body rows,
 * up to the first blank line). Idempotent; text outside tables is returned unchanged.
 */
export function tableSafeWikilinks(text: string): string {
  if (!text.includes("[[") || !text.includes("|")) return text;
  const lines = text.split("\n");
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      inTable = false;
      continue;
    }
    const next = lines[i + 1];
    if (!inTable && line.includes("|") && next !== undefined && isDelimiterRow(next)) inTable = true;
    if (inTable) lines[i] = escapeLinkPipes(line);
  }
  return lines.join("\n");
}
