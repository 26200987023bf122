// markdown-it's own inline rules, imported to be wrapped (src/core/markdown/parser.ts); its typings do not list them.
declare module "markdown-it/lib/rules_inline/backticks.mjs" {
  import type { StateInline } from "markdown-it";
  const rule: (state: StateInline, silent: boolean) => boolean;
  export default rule;
}
declare module "markdown-it/lib/rules_inline/html_inline.mjs" {
  import type { StateInline } from "markdown-it";
  const rule: (state: StateInline, silent: boolean) => boolean;
  export default rule;
}
declare module "markdown-it/lib/rules_block/paragraph.mjs" {
  import type { StateBlock } from "markdown-it";
  const rule: (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
  export default rule;
}
declare module "markdown-it/lib/rules_block/heading.mjs" {
  import type { StateBlock } from "markdown-it";
  const rule: (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
  export default rule;
}
declare module "markdown-it/lib/rules_block/lheading.mjs" {
  import type { StateBlock } from "markdown-it";
  const rule: (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
  export default rule;
}
declare module "markdown-it/lib/rules_block/blockquote.mjs" {
  import type { StateBlock } from "markdown-it";
  const rule: (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
  export default rule;
}
