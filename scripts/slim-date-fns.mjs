// date-fns's `format` takes the en-US locale object, which also carries what only parsing and relative dates use
// (`match`, `formatDistance`, `formatRelative`, ~4 KB). The plugin only formats dates (the citation date format),
// so those parts become placeholders that throw if they are ever used.
import { placeholderModule } from "./placeholder-module.mjs";

/** Left-out modules of the en-US locale, by file name. */
export const DATE_FNS_PLACEHOLDERS = {
  "match.js": placeholderModule("date-fns's en-US parsing (match)", { objects: ["match"] }),
  "formatDistance.js": placeholderModule("date-fns's en-US formatDistance", { functions: ["formatDistance"] }),
  "formatRelative.js": placeholderModule("date-fns's en-US formatRelative", { functions: ["formatRelative"] }),
};

/** The esbuild plugin applying the replacements. */
export const slimDateFns = {
  name: "slim-date-fns",
  setup(build) {
    build.onLoad({ filter: /date-fns[\\/]locale[\\/]en-US[\\/]_lib[\\/](?:match|formatDistance|formatRelative)\.js$/ }, (args) => ({
      contents: DATE_FNS_PLACEHOLDERS[args.path.split(/[\\/]/).pop()],
      loader: "js",
    }));
  },
};
