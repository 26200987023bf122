// The openai SDK's client class builds every OpenAI API resource (chat, audio, files, …) in its
// constructor, so a bundle carries all of them (~100 KB) although the plugin only POSTs to
// /responses and /agent/{id}/cancel through the client's own `post`. This rewrites the SDK's
// client module so those resources become empty placeholders. Auth, retries, timeouts and error
// classes, which the plugin relies on, live in the client and core modules and are untouched.

import { placeholderModule } from "./placeholder-module.mjs";

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

/**
 * The SDK's environment reader, replaced by one that reads nothing: on the desktop app `process.env` is
 * the user's shell environment, and OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_CUSTOM_HEADERS, OPENAI_LOG or
 * OPENAI_BASE_URL there must not shape a request to Perplexity. Only the plugin's settings do.
 */
export const NO_ENV_READER = "export const readEnv = (_name) => undefined;\n";

/**
 * The SDK's query-string module, replaced by a small one: the plugin never sends a query string (it
 * POSTs JSON), and the SDK's copy of `qs` costs about 5 KB of main.js. Flat values and arrays (as
 * `key[]=value`, the SDK's format) still work, should a query ever be sent.
 */
export const SMALL_QUERY = `export function stringifyQuery(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key + "[]", String(item));
    else params.append(key, String(value));
  }
  return params.toString();
}
`;

/**
 * What only options the plugin never uses need (~4 KB): workload-identity auth (the plugin passes an API key) and
 * file uploads (`OpenAI.toFile`; the plugin sends JSON). Placeholders that throw if they are ever used.
 */
export const OPENAI_PLACEHOLDERS = {
  "auth/workload-identity-auth.mjs": placeholderModule("the openai SDK's workload identity auth", { classes: ["WorkloadIdentityAuth"] }),
  "core/uploads.mjs": placeholderModule("the openai SDK's file uploads", { functions: ["toFile", "toStreamingFile"] }),
};

/** The esbuild plugin applying the rewrites. */
export const slimOpenAi = {
  name: "slim-openai",
  setup(build) {
    build.onLoad({ filter: /openai[\\/]internal[\\/]utils[\\/]env\.mjs$/ }, () => ({ contents: NO_ENV_READER, loader: "js" }));
    build.onLoad({ filter: /openai[\\/]internal[\\/]utils[\\/]query\.mjs$/ }, () => ({ contents: SMALL_QUERY, loader: "js" }));
    build.onLoad({ filter: /openai[\\/](?:auth[\\/]workload-identity-auth|core[\\/]uploads)\.mjs$/ }, (args) => ({
      contents: OPENAI_PLACEHOLDERS[args.path.split(/[\\/]/).slice(-2).join("/")],
      loader: "js",
    }));
    build.onLoad({ filter: /openai[\\/]client\.mjs$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      return { contents: slimOpenAiClient(await readFile(args.path, "utf8")), loader: "js" };
    });
  },
};
