// Some iOS versions cannot even parse a regex with lookbehind: one in the bundle stops the whole
// plugin from loading on mobile. The openai SDK has one (checking path parameters for "." and
// ".." segments); this rewrites it to an equivalent without lookbehind.
export const LOOKBEHIND = /\(\?<[=!]/;

const PATTERN = "/(?<=^|\\/)(?:\\.|%2e){1,2}(?=\\/|$)/gi";
const PUSH = "start: match.index,\n            length: match[0].length,\n            error: `Value \"${match[0]}\"";

/** Rewrites openai's internal/utils/path.js; throws if the SDK changed so the rewrite no longer applies. */
export function rewriteOpenAiPath(source) {
  if (!source.includes(PATTERN) || !source.includes(PUSH)) {
    throw new Error("openai/internal/utils/path changed: update scripts/no-lookbehind.mjs");
  }
  return source
    .replace(PATTERN, "/(^|\\/)((?:\\.|%2e){1,2})(?=\\/|$)/gi")
    .replace(PUSH, "start: match.index + match[1].length,\n            length: match[2].length,\n            error: `Value \"${match[2]}\"");
}

/** The esbuild plugin applying the rewrite. */
export const noLookbehind = {
  name: "no-lookbehind",
  setup(build) {
    build.onLoad({ filter: /openai[\\/]internal[\\/]utils[\\/]path\.m?js$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      return { contents: rewriteOpenAiPath(await readFile(args.path, "utf8")), loader: "js" };
    });
  },
};
