// markdown-it builds a LinkifyIt (~11 KB of main.js with its Unicode tables) in its constructor, but only calls it
// when the `linkify` option is on, and the plugin never turns it on: Markdown structure and web text are read as
// written, and a bare URL in an answer is not made a link by us. This replaces linkify-it with a placeholder that
// throws if it is ever used, so a change that starts relying on it fails loudly instead of silently.

export const LINKIFY_PLACEHOLDER = `export class LinkifyIt {
  test() { throw new Error("linkify-it is left out of main.js (scripts/slim-markdown-it.mjs)"); }
  match() { return this.test(); }
  matchAtStart() { return this.test(); }
  set() { return this; }
}
`;

/** The esbuild plugin applying the replacement. */
export const slimMarkdownIt = {
  name: "slim-markdown-it",
  setup(build) {
    build.onResolve({ filter: /^linkify-it$/ }, () => ({ path: "linkify-it-placeholder", namespace: "slim-markdown-it" }));
    build.onLoad({ filter: /.*/, namespace: "slim-markdown-it" }, () => ({ contents: LINKIFY_PLACEHOLDER, loader: "js" }));
  },
};
