// The models Perplexity offers, from `GET /v1/models` (OpenAI's list format; no key needed), for suggestions
// in the model fields. A failure gives an empty list: typing a model name by hand always works.

/** Model ids (`provider/name`) in the order the server lists them. */
export async function listModels(fetchFn: typeof fetch, baseUrl: string): Promise<string[]> {
  const response = await fetchFn(`${baseUrl.trim().replace(/\/+$/, "")}/models`, { method: "GET", headers: { accept: "application/json" } });
  if (!response.ok) return [];
  const body = (await response.json()) as { data?: unknown };
  if (!Array.isArray(body.data)) return [];
  const ids: string[] = [];
  for (const entry of body.data) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id !== "" && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
