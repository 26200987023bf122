// Two parts of markdown-it's dependencies that main.js never uses:
//  - linkify-it (~7 KB): markdown-it builds a LinkifyIt in its constructor but only calls it when the `linkify`
//    option is on, and the plugin never turns it on (a bare URL in an answer is not made a link by us). It becomes
//    a placeholder that throws if it is ever used, so a change that starts relying on it fails loudly.
//  - the HTML entity encoder (~23 KB): markdown-it only decodes entities (`decodeHTML`, `decodeHTMLStrict`), but
//    imports them from the entities package's index, which drags its encoder along. The import is pointed at the
//    package's own decode module.

export const LINKIFY_PLACEHOLDER = `export class LinkifyIt {
  test() { throw new Error("linkify-it is left out of main.js (scripts/slim-markdown-it.mjs)"); }
  match() { return this.test(); }
  matchAtStart() { return this.test(); }
  set() { return this; }
}
export default LinkifyIt;
`;

/** The esbuild plugin applying the replacement. */
export const slimMarkdownIt = {
  name: "slim-markdown-it",
  setup(build) {
    build.onResolve({ filter: /^linkify-it$/ }, () => ({ path: "linkify-it-placeholder", namespace: "slim-markdown-it" }));
    // Only markdown-it's own import of "entities" (its decoder), resolved next to the importing file.
    build.onResolve({ filter: /^entities$/ }, async (args) => {
      if (!/markdown-it[\\/]lib[\\/]/.test(args.importer)) return undefined;
      const resolved = await build.resolve("entities/lib/decode.js", { kind: args.kind, resolveDir: args.resolveDir });
      if (resolved.errors.length > 0) throw new Error("entities changed: update scripts/slim-markdown-it.mjs");
      return { path: resolved.path };
    });
    build.onLoad({ filter: /.*/, namespace: "slim-markdown-it" }, () => ({ contents: LINKIFY_PLACEHOLDER, loader: "js" }));
  },
};
