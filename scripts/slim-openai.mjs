// The openai SDK's client class builds every OpenAI API resource (chat, audio, files, …) in its
// constructor, so a bundle carries all of them (~100 KB) although the plugin only POSTs to
// /responses and /agent/{id}/cancel through the client's own `post`. This rewrites the SDK's
// client module so those resources become empty placeholders. Auth, retries, timeouts and error
// classes, which the plugin relies on, live in the client and core modules and are untouched.

const API_IMPORT = 'import * as API from "./resources/index.mjs";';
const RESOURCE_IMPORT = /^import \{([^}]*)\} from "\.\/resources\/[^"]+";$/gm;

/** Rewrites openai/client.mjs; throws if the SDK changed so the rewrite no longer applies. */
export function slimOpenAiClient(source) {
  const named = [...source.matchAll(RESOURCE_IMPORT)];
  if (!source.includes(API_IMPORT) || named.length < 10 || !source.includes("this.responses = new API.Responses(this);")) {
    throw new Error("openai/client.mjs changed: update scripts/slim-openai.mjs");
  }
  const placeholder = "class UnusedResource { constructor(client) { this._client = client; } }";
  let out = source.replace(API_IMPORT, `${placeholder}\nconst API = new Proxy({}, { get: () => UnusedResource });`);
  out = out.replace(RESOURCE_IMPORT, (_line, names) =>
    names
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => `const ${n.split(/\s+as\s+/).pop()} = UnusedResource;`)
      .join("\n"),
  );
  return out;
}

/** The esbuild plugin applying the rewrite. */
export const slimOpenAi = {
  name: "slim-openai",
  setup(build) {
    build.onLoad({ filter: /openai[\\/]client\.mjs$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      return { contents: slimOpenAiClient(await readFile(args.path, "utf8")), loader: "js" };
    });
  },
};
