// A run id goes into a URL path (GET /responses/{id}, POST /agent/{id}/cancel). Run ids are made of letters,
// digits, "_" and "-" (`resp_5e673b76-3ae9-…` live); an id read from a note (a hand edit, a synced copy) that
// holds anything else is refused before any request, so it can never change the path or the host.
import { PerplexityError, messages } from "./errors";

const RUN_ID = /^[A-Za-z0-9_-]{1,200}$/;

export function isRunId(id: unknown): id is string {
  return typeof id === "string" && RUN_ID.test(id);
}

/** The id, checked for a URL path; an `invalid-request` PerplexityError (nothing sent) otherwise. */
export function runIdForPath(id: unknown): string {
  if (isRunId(id)) return id;
  throw new PerplexityError("invalid-request", messages.invalidRequest("id", "the run id may hold only letters, digits, _ and -"), { param: "id" });
}
