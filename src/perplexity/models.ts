// The models Perplexity offers, from `GET /v1/models` (OpenAI's list format), for suggestions in the model fields.
// Live the list needs the key: without one Perplexity answers 401 `invalid_api_key` (cfdude models_unauthenticated),
// although its docs say no key is needed. A failure is thrown, never turned into an empty list that would be kept.

import { PerplexityError, messages, toPerplexityError } from "./errors";

/** Model ids (`provider/name`) in the order the server lists them. */
export async function listModels(fetchFn: typeof fetch, baseUrl: string, apiKey: string): Promise<string[]> {
  const key = apiKey.trim();
  if (!key) throw new PerplexityError("missing-key", messages.missingKey());
  let response: Response;
  try {
    response = await fetchFn(`${baseUrl.trim().replace(/\/+$/, "")}/models`, {
      method: "GET",
      headers: { accept: "application/json", authorization: `Bearer ${key}` },
    });
  } catch (error) {
    throw toPerplexityError(error, { apiKey: key });
  }
  if (response.status === 401) throw new PerplexityError("key-rejected", messages.keyRejected(), { status: 401 });
  if (!response.ok) throw new PerplexityError("server-error", messages.serverError(response.status), { status: response.status });
  let body: { data?: unknown };
  try {
    body = (await response.json()) as { data?: unknown };
  } catch {
    throw new PerplexityError("bad-response", messages.badResponse("not JSON"), { detail: "not JSON" });
  }
  if (!Array.isArray(body.data)) throw new PerplexityError("bad-response", messages.badResponse("no model list"), { detail: "no model list" });
  const ids: string[] = [];
  for (const entry of body.data) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id !== "" && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
