// How an answer that stopped early is marked in the note, so nobody mistakes it for a whole one.
import type { ErrorKind } from "../perplexity/errors";

const REASONS: Partial<Record<ErrorKind, string>> = {
  "run-incomplete": "Perplexity stopped before the answer was complete",
  network: "the connection broke before the answer was complete",
  timeout: "Perplexity stopped sending the answer",
  "run-failed": "the run failed before the answer was complete",
  "run-cancelled": "the run was cancelled",
  aborted: "you cancelled the request",
};

export const INCOMPLETE_PREFIX = "**Incomplete answer:**";

/** The line appended to a partial answer. */
export function incompleteNote(kind: ErrorKind): string {
  return `${INCOMPLETE_PREFIX} ${REASONS[kind] ?? "the answer did not arrive whole"}.`;
}
