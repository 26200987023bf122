// The live captures (tests/fixtures/captures) as the emulator replays them: a scenario step for an answer, a
// stream or an error of POST /v1/agent, or a route reply for GET /v1/models and cancels. The files are read as
// stored; nothing here edits a body, it only chooses the status, headers and framing of its route.

import { readFileSync } from "node:fs";
import { capturesDir } from "./captures-dir";
import type { ReplayStep, RouteReply, Scenario } from "./scenario";

export type CaptureKind = "answer" | "stream" | "error" | "cancel" | "models" | "headers";

export interface CaptureEntry {
  /** `<folder>/<name>`, e.g. `cfdude/agent_low_fetch_url`. */
  id: string;
  kind: CaptureKind;
  /** The route it answered, e.g. `POST /v1/agent`. */
  route: string;
  files: { body?: string; meta?: string; events?: string };
  source: { repo: string; path: string; commit: string; [more: string]: string };
  capturedLive: string;
  copied: string;
  copiedHow: string;
  shows: string;
  /** The part of the stored JSON that was the HTTP body (argus keeps it under `/response`). */
  jsonPointer?: string;
  /** For headers: the capture whose body those headers came with. */
  replayBody?: string;
  /** The request, when the source kept it outside a `.meta.json` file. */
  request?: Record<string, unknown>;
}

let manifest: CaptureEntry[] | undefined;

/** Every capture in the manifest, in its order. */
export function captures(): CaptureEntry[] {
  manifest ??= (JSON.parse(readFileSync(capturesDir("manifest.json"), "utf8")) as { captures: CaptureEntry[] }).captures;
  return manifest;
}

export function capture(id: string): CaptureEntry {
  const entry = captures().find((c) => c.id === id);
  if (!entry) throw new Error(`no capture ${id} in tests/fixtures/captures/manifest.json`);
  return entry;
}

/** A capture's file exactly as stored. */
export function captureFile(relative: string): string {
  return readFileSync(capturesDir(relative), "utf8");
}

/** The capturer's notes (`*.meta.json`): capture date, status, content type and, often, the request. */
export function captureMeta(entry: CaptureEntry): Record<string, unknown> {
  return entry.files.meta ? (JSON.parse(captureFile(entry.files.meta)) as Record<string, unknown>) : {};
}

/** The request that was sent, when the source recorded it. */
export function captureRequest(entry: CaptureEntry): Record<string, unknown> | undefined {
  const meta = captureMeta(entry)["request"];
  return (typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : undefined) ?? entry.request;
}

function pointer(value: unknown, path: string): unknown {
  return path
    .split("/")
    .filter(Boolean)
    .reduce<unknown>((at, key) => (typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined), value);
}

/** The HTTP body as Perplexity sent it (a wrapped body is serialised from its part, as the Go server does: compact). */
export function captureBody(entry: CaptureEntry): string {
  if (!entry.files.body) throw new Error(`capture ${entry.id} has no body`);
  const text = captureFile(entry.files.body);
  return entry.jsonPointer ? JSON.stringify(pointer(JSON.parse(text) as unknown, entry.jsonPointer)) : text;
}

/** The body parsed (for an answer: the response object). */
export function captureJson(entry: CaptureEntry): unknown {
  return JSON.parse(captureBody(entry)) as unknown;
}

/** A stream capture's event payloads (one raw JSON event per line). */
export function captureEvents(entry: CaptureEntry): string[] {
  if (!entry.files.events) throw new Error(`capture ${entry.id} has no events`);
  return captureFile(entry.files.events)
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** Captured response headers (agent_response_headers.json: `{status, headers}`). */
export function captureHeaders(entry: CaptureEntry): { status: number; headers: Record<string, string | string[]> } {
  return JSON.parse(captureBody(entry)) as { status: number; headers: Record<string, string | string[]> };
}

function statusOf(entry: CaptureEntry): number {
  const status = captureMeta(entry)["http_status"];
  return typeof status === "number" ? status : 200;
}

function contentType(entry: CaptureEntry): string {
  const type = captureMeta(entry)["content_type"];
  return typeof type === "string" ? type : "application/json";
}

function reply(entry: CaptureEntry): RouteReply {
  return { status: statusOf(entry), headers: { "content-type": contentType(entry) }, body: captureBody(entry) };
}

/** The scenario that makes the emulator answer as the capture does (the step for POST /v1/agent, or a route). */
export function replayScenario(entry: CaptureEntry): Scenario {
  switch (entry.kind) {
    case "models":
      return { routes: { models: reply(entry) } };
    case "cancel":
      return { routes: { cancel: reply(entry) } };
    case "stream":
      return { steps: [{ kind: "replay", status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" }, events: captureEvents(entry) } satisfies ReplayStep] };
    case "headers": {
      const { status, headers } = captureHeaders(entry);
      const body = captureBody(capture(entry.replayBody ?? ""));
      return { steps: [{ kind: "replay", status, headers, body } satisfies ReplayStep] };
    }
    default:
      return { steps: [{ kind: "replay", ...reply(entry) } satisfies ReplayStep] };
  }
}
