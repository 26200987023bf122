// How long to wait for Perplexity. Deep research (`high`/`xhigh`) runs take minutes and their streams go
// quiet while Perplexity reads, so their timeouts have floors whatever the request-timeout setting says.
import type { AskRequest } from "./ask-request";

/** Streamed deep research: never time out between two chunks sooner (longer than any gap seen live). */
export const DEEP_RESEARCH_IDLE_FLOOR_MS = 120_000;
/** Buffered deep research (mobile) must arrive whole within the timeout: it takes minutes. */
export const DEEP_RESEARCH_BUFFERED_FLOOR_MS = 600_000;

export function isDeepResearch(request: AskRequest): boolean {
  return "preset" in request.choice && (request.choice.preset === "high" || request.choice.preset === "xhigh");
}

/**
 * The client's timeout for one request. Streamed, it applies until the headers and then between chunks
 * (an idle timeout, not a total one); buffered, to the whole answer.
 */
export function timeoutMsFor(request: AskRequest, requestTimeoutSeconds: number, streamed: boolean): number {
  const base = requestTimeoutSeconds * 1000;
  if (!isDeepResearch(request)) return base;
  return Math.max(base, streamed ? DEEP_RESEARCH_IDLE_FLOOR_MS : DEEP_RESEARCH_BUFFERED_FLOOR_MS);
}
