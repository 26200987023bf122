// The sources dashboard: an Obsidian Bases file (.base, YAML; help.obsidian.md/bases/syntax) over the
// plugin's source notes, with the properties source-note.ts writes (and `check_status` / `checked` once sources
// are checked).

/** A Bases expression string holding `text` as a string literal ("…" with escapes). */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** YAML single-quoted scalar: nothing in it is special except the quote itself. */
function yamlQuoted(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export const DASHBOARD_NAME = "Sources dashboard.base";

export function sourcesDashboardBase(sourceFolder: string): string {
  const folder = sourceFolder.replace(/^\/+|\/+$/g, "");
  const scope = folder ? [`    - ${yamlQuoted(`file.inFolder(${literal(folder)})`)}`] : [];
  return [
    "# Made by Perplexity Query (Create sources dashboard): every source note, how often and how recently it is cited.",
    "filters:",
    "  and:",
    ...scope,
    `    - ${yamlQuoted('file.hasProperty("source_id")')}`,
    "formulas:",
    `  cited_by: ${yamlQuoted("if(cited_in, cited_in.length, 0)")}`,
    "properties:",
    "  title:",
    "    displayName: Title",
    "  site:",
    "    displayName: Site",
    "  formula.cited_by:",
    "    displayName: Notes citing it",
    "  last_cited:",
    "    displayName: Last cited",
    "  updated:",
    "    displayName: Updated",
    "  check_status:",
    "    displayName: Check status",
    "views:",
    "  - type: table",
    "    name: Sources",
    "    order:",
    "      - file.name",
    "      - title",
    "      - site",
    "      - formula.cited_by",
    "      - last_cited",
    "      - updated",
    "      - check_status",
    "",
  ].join("\n");
}
