// The Markdown structure layer: one parser (parser.ts) and what the plugin reads from it.
export { markdownParser, parserSource, topLevelRuns } from "./parser";
export type { TopLevelRun } from "./parser";
export { blockAtLine, calloutOf, closerAtEnd, isQuoteLine, lineAt, lineEnd, lineStartsOf, noteStructure, readStructure, skimStructure, unquoted } from "./structure";
export type { Block, BlockKind, Callout, NoteStructure, PartialStructure, SkimmedStructure } from "./structure";
export { inlineDisplayText } from "./display-text";
