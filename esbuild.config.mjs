// Bundles src/main.ts into main.js the way Obsidian loads plugins: one CommonJS file,
// with the modules Obsidian provides at runtime left external.
import esbuild from "esbuild";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { LOOKBEHIND, noLookbehind } from "./scripts/no-lookbehind.mjs";
import { slimOpenAi } from "./scripts/slim-openai.mjs";
import { slimMarkdownIt } from "./scripts/slim-markdown-it.mjs";
import { slimDateFns } from "./scripts/slim-date-fns.mjs";

const production = process.argv[2] === "production";

const context = await esbuild.context({
  entryPoints: ["src/main.ts"],
  bundle: true,
  external: [
    "obsidian",
    "electron",
    "@codemirror/*",
    "@lezer/*",
    ...builtinModules,
    ...builtinModules.map((m) => `node:${m}`),
  ],
  format: "cjs",
  platform: "browser",
  target: "es2022",
  logLevel: "info",
  sourcemap: production ? false : "inline",
  treeShaking: true,
  minify: production,
  // Non-ASCII as UTF-8, not \uXXXX escapes: the HTML entity table markdown-it decodes with is mostly such characters.
  charset: "utf8",
  legalComments: production ? "none" : "inline",
  metafile: true,
  outfile: "main.js",
  plugins: [noLookbehind, slimOpenAi, slimMarkdownIt, slimDateFns],
});

if (production) {
  await context.rebuild();
  await context.dispose();
  if (LOOKBEHIND.test(await readFile("main.js", "utf8"))) {
    console.error("main.js contains a regex lookbehind, which stops the plugin from loading on some iOS versions");
    process.exit(1);
  }
} else {
  await context.watch();
}
