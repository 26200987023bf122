// The API base URL as the user typed it, made into the one the client needs. Users of OpenAI-compatible
// tools type Perplexity's bare origin (`https://api.perplexity.ai`), but the Agent API lives under `/v1`;
// anything that is not an http(s) URL would otherwise surface much later as "Could not reach Perplexity".

/** Perplexity's own API host: its bare origin means the Agent API at `/v1`. */
const PERPLEXITY_HOST = "api.perplexity.ai";

export type BaseUrlResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * Checks and normalises a base URL: trims it, drops trailing slashes, and turns Perplexity's bare origin
 * into `https://api.perplexity.ai/v1`. A value that is not an http(s) URL is refused with a message that
 * says what to enter instead.
 */
export function parseBaseUrl(input: string): BaseUrlResult {
  const value = input.trim();
  const refuse = (why: string): BaseUrlResult => ({
    ok: false,
    // The value itself is not echoed: a key pasted into the wrong field must not end up in a notice.
    message: `The base URL ${why}. Enter a web address starting with https:// (Perplexity's is https://api.perplexity.ai/v1).`,
  });
  if (!value) return refuse("is empty");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse("is not a web address");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse(`uses ${url.protocol.replace(/:$/, "")}, not http or https`);
  if (url.username || url.password) return refuse("contains a user name or password; the API key is set separately");
  if (url.search || url.hash) return refuse("has a query or fragment (?… or #…), which the API address cannot have");
  let path = url.pathname.replace(/\/+$/, "");
  if (!path && url.hostname === PERPLEXITY_HOST) path = "/v1";
  return { ok: true, url: `${url.origin}${path}` };
}

/** The normalised base URL, or `fallback` when the value is refused (for settings read from disk). */
export function normalizeBaseUrl(input: string, fallback: string): string {
  const result = parseBaseUrl(input);
  return result.ok ? result.url : fallback;
}
