// Run ids come from the server and go into URLs (reading a run, cancelling it). An id like ".." or "." would
// turn `/agent/{id}/cancel` into `/cancel` (or another endpoint), "a/b" or "x?y" into other paths: only ids of
// letters, digits, "_" and "-" are ever put in a path, and only through `runPath`.
import { PerplexityError } from "./errors";

const RUN_ID = /^[A-Za-z0-9_-]{1,256}$/;

export function isSafeRunId(id: unknown): id is string {
  return typeof id === "string" && RUN_ID.test(id);
}

/** The id a response names when it is safe to use, else "" (a run that cannot be addressed is not named). */
export function safeRunId(id: unknown): string {
  return isSafeRunId(id) ? id : "";
}

/** The path of a run, or of an action on it: `runPath("agent", id, "cancel")` is `/agent/<id>/cancel`. Throws for an unsafe id. */
export function runPath(collection: "agent" | "responses", id: string, action?: "cancel"): string {
  if (!isSafeRunId(id)) {
    throw new PerplexityError("invalid-request", "Perplexity named the run with an id that cannot be used in an address, so the plugin did not contact it about that run.", {
      detail: "unsafe run id",
    });
  }
  return `/${collection}/${id}${action ? `/${action}` : ""}`;
}
