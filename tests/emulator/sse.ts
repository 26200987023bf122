// Writes a planned stream as SSE, the way Perplexity does: `data: <json>` and a blank line, no `event:`
// line, no `[DONE]`. Applies the stream script (delays, injected raw text, disconnects, missing terminal)
// and stops early on a cancel or when the client goes away.

import type { ServerResponse } from "node:http";
import type { PlannedEvent } from "./responses";
import type { StreamScript } from "./scenario";

type Obj = Record<string, unknown>;

/** Keys sorted like the live capture (Go marshals maps in key order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const obj = value as Obj;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((key) => [key, sortKeys(obj[key])]),
    );
  }
  return value;
}

export function formatEvent(event: Obj): string {
  return `data: ${JSON.stringify(sortKeys(event))}\n\n`;
}

export function sseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", ...extra };
}

export interface StreamControl {
  /** Aborted when the run is cancelled through POST .../cancel. */
  cancel: AbortSignal;
  /** The `response.cancelled` event to send, given how far the stream got. */
  cancelledEvent(textSoFar: string, searchItemsSoFar: number): Obj;
}

export type StreamOutcome = "completed" | "cancelled" | "disconnected" | "client-gone";

/** Resolves after `ms`, or early when any signal fires. */
function sleep(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((s) => s.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      signals.forEach((s) => s.removeEventListener("abort", done));
      resolve();
    };
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    signals.forEach((s) => s.addEventListener("abort", done, { once: true }));
  });
}

/** Resolves once everything written so far has left the process (or the client is gone). */
function flushed(res: ServerResponse, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // writableLength covers the response and its socket buffers; polling is enough for a test server.
    const check = () => {
      if (!gone.aborted && res.writableLength > 0) return;
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(check, 1);
    check();
  });
}

/** Write with backpressure: wait for `drain` (or the client leaving) when the buffer is full. */
function write(res: ServerResponse, chunk: string, gone: AbortSignal): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      gone.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    gone.addEventListener("abort", done, { once: true });
  });
}

/**
 * Plays `events` then `terminal` (null: no terminal, keep the stream open). Headers must already be sent.
 * Sequence numbers are assigned here, with a gap where an event asks for one.
 */
export async function playStream(
  res: ServerResponse,
  events: PlannedEvent[],
  terminal: Obj | null,
  script: StreamScript,
  control: StreamControl,
): Promise<StreamOutcome> {
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  const signals = [gone.signal, control.cancel];
  const injections = [...(script.inject ?? [])].sort((a, b) => a.after - b.after);
  let sequence = 0;
  let written = 0;
  let textSoFar = "";
  let searchItemsSoFar = 0;

  const send = async (event: Obj): Promise<void> => {
    await write(res, formatEvent({ ...event, sequence_number: sequence++ }), gone.signal);
    written++;
  };
  const injectDue = async (): Promise<void> => {
    while (injections.length > 0 && (injections[0]?.after ?? 0) <= written) {
      await write(res, injections.shift()?.raw ?? "", gone.signal);
    }
  };
  const finishCancelled = async (): Promise<StreamOutcome> => {
    await send(control.cancelledEvent(textSoFar, searchItemsSoFar));
    res.end();
    return "cancelled";
  };

  if (script.disconnectAfter !== undefined && script.disconnectAfter <= 0) {
    res.socket?.destroy();
    return "disconnected";
  }
  // Comments keep the connection busy but carry no event.
  const keepAlive = script.keepAliveMs ? setInterval(() => res.write(": keep-alive\n\n"), script.keepAliveMs) : undefined;
  res.once("close", () => clearInterval(keepAlive));
  res.once("finish", () => clearInterval(keepAlive));
  for (const planned of events) {
    if (written > 0 && script.eventDelayMs) await sleep(script.eventDelayMs, signals);
    if (gone.signal.aborted) return "client-gone";
    if (control.cancel.aborted) return finishCancelled();
    await injectDue();
    if (planned.gapBefore) sequence++;
    await send(planned.event);
    if (planned.textSoFar !== undefined) textSoFar = planned.textSoFar;
    if (planned.searchItemsSoFar !== undefined) searchItemsSoFar = planned.searchItemsSoFar;
    if (script.disconnectAfter !== undefined && written >= script.disconnectAfter) {
      // Let the events already written reach the client, then cut the connection mid-body.
      await flushed(res, gone.signal);
      res.socket?.destroy();
      return "disconnected";
    }
  }
  await injectDue();
  // Flush whatever is left to inject, even if its `after` was beyond the last event.
  for (const rest of injections.splice(0)) await write(res, rest.raw, gone.signal);

  if (terminal === null) {
    await sleep(Infinity, signals);
    if (control.cancel.aborted && !gone.signal.aborted) return finishCancelled();
    return "client-gone";
  }
  if (script.eventDelayMs) await sleep(script.eventDelayMs, signals);
  if (gone.signal.aborted) return "client-gone";
  if (control.cancel.aborted) return finishCancelled();
  await send(terminal);
  res.end();
  return "completed";
}
