// Parts of markdown-it and its dependencies that main.js never uses, left out (~20 KB):
//  - linkify-it (~7 KB): markdown-it builds a LinkifyIt in its constructor but only calls it when the `linkify`
//    option is on, and the plugin never turns it on (a bare URL in an answer is not made a link by us).
//  - the HTML renderer and the rules of options the plugin never turns on (linkify, typographer's replacements
//    and smart quotes): the plugin reads tokens and writes Markdown itself (sanitize.ts), it never renders HTML.
//  - mdurl and punycode.js: only markdown-it's default normalizeLink/normalizeLinkText use them, and the parser
//    replaces both (parser.ts: a destination is read as written; the sanitiser's URL parser normalises it).
//  - the HTML entity encoder (~23 KB): markdown-it only decodes entities (`decodeHTML`, `decodeHTMLStrict`), but
//    imports them from the entities package's index, which drags its encoder along. The import is pointed at the
//    package's own decode module.
// Each left-out module becomes a placeholder that throws if it is ever used (placeholder-module.mjs).
import { leftOut, placeholderModule } from "./placeholder-module.mjs";

export const LINKIFY_PLACEHOLDER = `export class LinkifyIt {
  test() { ${leftOut("linkify-it")}; }
  match() { return this.test(); }
  matchAtStart() { return this.test(); }
  set() { return this; }
}
export default LinkifyIt;
`;

export const RENDERER_PLACEHOLDER = `export default class Renderer {
  constructor() { this.rules = {}; }
  render() { ${leftOut("markdown-it's renderer")}; }
  renderInline() { return this.render(); }
  renderToken() { return this.render(); }
}
`;

/** Left-out modules by the name they are imported as (markdown-it's own files are matched relative to its lib). */
export const PLACEHOLDERS = {
  "linkify-it": LINKIFY_PLACEHOLDER,
  mdurl: placeholderModule("mdurl", { functions: ["decode", "encode", "format", "parse"] }),
  "punycode.js": placeholderModule("punycode.js", { functions: ["toASCII", "toUnicode", "encode", "decode"] }),
  "./renderer.mjs": RENDERER_PLACEHOLDER,
  "./rules_core/linkify.mjs": placeholderModule("markdown-it's linkify rule"),
  "./rules_core/replacements.mjs": placeholderModule("markdown-it's typographer replacements"),
  "./rules_core/smartquotes.mjs": placeholderModule("markdown-it's smart quotes"),
  "./rules_inline/linkify.mjs": placeholderModule("markdown-it's inline linkify rule"),
};

/** The esbuild plugin applying the replacements. */
export const slimMarkdownIt = {
  name: "slim-markdown-it",
  setup(build) {
    const names = Object.keys(PLACEHOLDERS).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    build.onResolve({ filter: new RegExp(`^(?:${names.join("|")})$`) }, (args) => {
      const own = args.path.startsWith("./");
      // markdown-it's own relative imports only, and the packages only where markdown-it (or its utils) imports them.
      if (!/markdown-it[\\/]lib[\\/]/.test(args.importer)) return undefined;
      if (own && !/markdown-it[\\/]lib[\\/](?:parser_core|parser_inline|index)\.mjs$/.test(args.importer)) return undefined;
      return { path: args.path, namespace: "slim-markdown-it" };
    });
    // Only markdown-it's own import of "entities" (its decoder), resolved next to the importing file.
    build.onResolve({ filter: /^entities$/ }, async (args) => {
      if (!/markdown-it[\\/]lib[\\/]/.test(args.importer)) return undefined;
      const resolved = await build.resolve("entities/lib/decode.js", { kind: args.kind, resolveDir: args.resolveDir });
      if (resolved.errors.length > 0) throw new Error("entities changed: update scripts/slim-markdown-it.mjs");
      return { path: resolved.path };
    });
    build.onLoad({ filter: /.*/, namespace: "slim-markdown-it" }, (args) => ({ contents: PLACEHOLDERS[args.path], loader: "js" }));
  },
};
