// The Perplexity emulator: a real HTTP server on 127.0.0.1 speaking the Agent API (JSON and SSE),
// scriptable through a Scenario. Routing lives here; building answers is in responses.ts, streaming in sse.ts.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  cancelledEvent,
  cancelledRunObject,
  createRun,
  errorEvent,
  responseObject,
  streamEvents,
  terminalEvent,
  unfinishedObject,
  type Run,
} from "./responses";
import { StepCursor, type AnswerStep, type HttpStep, type ReplayStep, type RouteReply, type Scenario } from "./scenario";
import { playStream, sortKeys, sseHeaders } from "./sse";
import { apiError, isApiError, MODELS_BODY, validateRequest, type ApiError, type ParsedRequest } from "./validate";

export type { Scenario } from "./scenario";

export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names lowercased. */
  headers: Record<string, string>;
  body: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
}

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  scenario?: Scenario;
  /** Called with one short line per request (the CLI prints it to stderr). Never includes credentials. */
  log?: (line: string) => void;
  /** Time for `scenario.rateLimit` (ms); default `Date.now`. A test shares a simulated clock with its rate limiter. */
  clock?: { now(): number };
  /**
   * A JSON file that keeps the background runs between emulator processes, as Perplexity keeps them while the
   * app is closed (the demo's `--detach` and `--command resume-pending`). Read at start, written on each change.
   */
  runsFile?: string;
}

export interface Emulator {
  /** "http://127.0.0.1:PORT/v1", the SDK's baseURL. */
  baseUrl: string;
  /** "http://127.0.0.1:PORT". */
  origin: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Every run started, in order, also those whose id never reached the client (it left before the reply). */
  startedRuns(): { id: string; background: boolean; cancelled: boolean }[];
  /** Replaces the script and resets the step counter. */
  setScenario(scenario: Scenario): void;
  /** Stops the server and destroys open sockets, so no test hangs on a stream. */
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;

/** A run kept for GET /v1/agent/{id} and cancels. */
interface StoredRun {
  run: Run;
  /** In progress while streaming, or for background runs until they finish. */
  inProgress: boolean;
  /** Readable with GET (`store`); a run that is not answers 404, as live. */
  stored: boolean;
  /** When it started (emulator clock, ms): for `backgroundMs` and `runRetentionMs`. */
  startedAt: number;
  /** Background: GETs that still see the run unfinished, or the time it finishes (`backgroundMs`). */
  pollsLeft: number;
  finishAt?: number;
  /** Background: GETs made so far, and how many more have their connection dropped. */
  polls: number;
  dropPolls: number;
  /** What the last GET showed of an unfinished background run. */
  stage: "queued" | "in_progress";
  cancel: AbortController;
  final?: Obj;
}

/** A run id as Perplexity makes them; anything else is a malformed id (live: 400 "invalid response id"). */
const WELL_FORMED_ID = /^resp_[A-Za-z0-9-]+$/;

// What Perplexity answers to a missing or wrong key (captured live: cfdude models_unauthenticated.json).
const UNAUTHORIZED_JSON = apiError(401, "invalid_api_key", "Invalid API key provided. Ensure your API key is correct and active.");
// What its proxy has also been seen to answer: HTML, not JSON (scenario.unauthorized "html").
const UNAUTHORIZED_HTML = `<html>
<head><title>401 Authorization Required</title></head>
<body>
<center><h1>401 Authorization Required</h1></center>
<hr><center>openresty</center>
</body>
</html>
`;

const STATUS_TYPES: Record<number, string> = {
  400: "invalid_request",
  401: "forbidden",
  403: "forbidden",
  404: "not_found",
  408: "request_timeout",
  409: "conflict",
  413: "payload_too_large",
  429: "request_rate_limit_exceeded",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

const RUN_PATH = /^\/v1\/(agent|responses)\/([^/]+)(\/cancel)?$/;
const RATE_WINDOW_MS = 60_000;

export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  let scenario: Scenario = options.scenario ?? {};
  let cursor = new StepCursor(scenario);
  const requests: RecordedRequest[] = [];
  const runs = new Map<string, StoredRun>();
  const sockets = new Set<Socket>();
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? { now: () => Date.now() };
  /** Arrival times of the answer requests accepted by the rate limit, oldest first. */
  let accepted: number[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log(`emulator error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, apiError(500, "internal_error", "emulator error").body);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    requests.push({ method, path, headers: flatHeaders(req), body, json: parseJson(body) });
    const started = Date.now();
    res.once("close", () => {
      const note = res.writableFinished ? "" : " (connection closed early)";
      log(`${method} ${path} -> ${res.statusCode}${note} ${Date.now() - started}ms`);
    });

    // Every route needs the key, the model list too (live, although the docs say it needs none).
    if (!authorized(req)) return scenario.unauthorized === "html" ? sendHtml(res, 401, UNAUTHORIZED_HTML) : sendError(res, UNAUTHORIZED_JSON);
    if (method === "GET" && path === "/v1/models") return sendReply(res, scenario.routes?.models ?? { status: 200, headers: { "content-type": "application/json" }, body: MODELS_BODY });

    if (method === "POST" && path === "/v1/chat/completions") {
      return sendJson(res, 403, {
        error: { message: "Sonar is now the Agent API.", type: "chat_completions_not_available", code: 403 },
      });
    }
    if (method === "POST" && (path === "/v1/responses" || path === "/v1/agent")) return answer(req, res, body);

    const match = RUN_PATH.exec(path);
    if (match) {
      const id = decodeURIComponent(match[2] ?? "");
      // Live (cfdude/mcp-perplexity-pro): a malformed id is 400 "invalid response id"; an unknown one, one made
      // with store false, or one forgotten since, is 404 "resource not found" to GET, and to a cancel the same
      // 400 as a run that already ended ("the run is already terminal and cannot be cancelled").
      if (method === "GET" && !match[3]) {
        if (!WELL_FORMED_ID.test(id)) return sendError(res, apiError(400, "invalid_request", "invalid response id"));
        const stored = known(id);
        if (!stored?.stored) return sendError(res, apiError(404, "not_found", "resource not found"));
        if (stored.run.request.background && stored.dropPolls > 0) {
          stored.dropPolls--;
          save();
          req.socket.destroy();
          return;
        }
        const body = readRun(stored);
        save();
        return sendJson(res, 200, sortKeys(body));
      }
      if (method === "POST" && match[3]) {
        if (scenario.routes?.cancel) return sendReply(res, scenario.routes.cancel);
        const stored = known(id);
        // A run whose time has come ended at Perplexity whether or not anyone asked since.
        if (stored?.inProgress && stored.finishAt !== undefined && clock.now() >= stored.finishAt && !stored.run.request.stream) finish(stored, responseObject(stored.run, "final"));
        if (!stored?.inProgress) return sendError(res, apiError(400, "invalid_request", "the run is already terminal and cannot be cancelled"));
        cancelRun(stored);
        save();
        return sendJson(res, 200, { response_id: stored.run.id, status: "cancelling" });
      }
    }
    return sendError(res, apiError(404, "not_found", `no route for ${method} ${path}`));
  }

  /** The run with this id, unless it is unknown or older than the scenario's retention (then it is forgotten). */
  function known(id: string): StoredRun | undefined {
    const stored = runs.get(id);
    const retention = scenario.runRetentionMs;
    if (stored && retention !== undefined && clock.now() - stored.startedAt > retention) {
      runs.delete(id);
      save();
      return undefined;
    }
    return stored;
  }

  function authorized(req: IncomingMessage): boolean {
    const match = /^Bearer\s+(\S.*)$/i.exec(req.headers.authorization ?? "");
    const key = match?.[1]?.trim();
    if (!key) return false;
    return scenario.apiKey === undefined || key === scenario.apiKey;
  }

  /**
   * A sliding 60 s window: true (and the 429 sent) when this request would exceed `scenario.rateLimit`. Otherwise
   * the headers the accepted answer carries. The header names and the epoch-seconds reset are the live ones
   * (cfdude agent_response_headers.json); the reset is when the oldest request in the window leaves it, i.e. when
   * the next request would be accepted. No Retry-After (reference, correction 8).
   */
  function rateLimited(res: ServerResponse): Record<string, string> | true {
    const limit = scenario.rateLimit;
    if (!limit) return {};
    const now = clock.now();
    while (accepted.length > 0 && accepted[0]! <= now - RATE_WINDOW_MS) accepted.shift();
    const full = accepted.length >= limit.perMinute;
    if (!full) accepted.push(now);
    const headers = {
      date: new Date(now).toUTCString(),
      "x-ratelimit-limit": String(limit.perMinute),
      "x-ratelimit-remaining": String(Math.max(0, limit.perMinute - accepted.length)),
      "x-ratelimit-reset": String(Math.ceil((accepted[0]! + RATE_WINDOW_MS) / 1000)),
      "x-ratelimit-used": String(accepted.length),
    };
    if (!full) return headers;
    sendJson(res, 429, apiError(429, "request_rate_limit_exceeded", `Rate limit of ${limit.perMinute} requests per minute exceeded.`).body, headers);
    return true;
  }

  async function answer(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const limitHeaders = rateLimited(res);
    if (limitHeaders === true) return;
    const json = parseJson(body);
    if (json === undefined) {
      return sendError(res, apiError(400, "invalid_request", "invalid request body: unexpected end of JSON input or invalid JSON"));
    }
    const request = validateRequest(json, { ...(scenario.presetField ? { presetField: scenario.presetField } : {}) });
    if (isApiError(request)) return sendError(res, request);

    const { step } = cursor.next();
    const clientGone = closedSignal(res);
    if (step.delayMs) await sleep(step.delayMs, clientGone);
    if (clientGone.aborted) return;

    switch (step.kind) {
      case "http":
        return sendHttpStep(res, step);
      case "replay":
        return sendReplay(res, step);
      case "malformed-json":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(step.body ?? '{"id":"resp_truncated","object":"response","status":"comp');
        return;
      case "disconnect":
        req.socket.destroy();
        return;
      case "hang":
        await sleep(Infinity, clientGone);
        return;
      default:
        return answerRun(res, request, { ...step, headers: { ...limitHeaders, ...step.headers } });
    }
  }

  async function answerRun(res: ServerResponse, request: ParsedRequest, step: AnswerStep): Promise<void> {
    const run = createRun(request, step);
    const stored: StoredRun = {
      run, inProgress: true, stored: request.store, startedAt: clock.now(), pollsLeft: 0, polls: 0, dropPolls: 0, stage: "queued", cancel: new AbortController(),
    };
    runs.set(run.id, stored);

    if (!request.stream) {
      if (request.background) {
        // Live: the start answers at once with status "queued" and no output (agent_background_submit.json).
        stored.pollsLeft = step.backgroundPolls ?? 0;
        if (step.backgroundMs !== undefined) stored.finishAt = stored.startedAt + step.backgroundMs;
        stored.dropPolls = step.backgroundDroppedPolls ?? 0;
        save();
        if (step.backgroundReplyMs) {
          // The run goes on whether or not the client waits for the reply, as live.
          const clientGone = closedSignal(res);
          await sleep(step.backgroundReplyMs, clientGone);
          if (clientGone.aborted) return;
        }
        return sendJson(res, 200, sortKeys(unfinishedObject(run, "queued")), step.headers);
      }
      finish(stored, responseObject(run, "final"));
      return sendJson(res, 200, sortKeys(stored.final), step.headers);
    }

    const script = step.stream ?? {};
    const terminal = script.noTerminal
      ? null
      : script.errorEvent
        ? errorEvent(script.errorEvent)
        : { ...terminalEvent(run), ...script.terminalOverrides };
    res.writeHead(200, sseHeaders(step.headers));
    res.flushHeaders();
    let cancelled: Obj | undefined;
    const outcome = await playStream(res, streamEvents(run, script.deltas), terminal, script, {
      cancel: stored.cancel.signal,
      cancelledEvent: (text, items) => {
        const event = cancelledEvent(run, text, items);
        cancelled = event.response as Obj;
        return event;
      },
    });
    // The real run goes on server-side when the client leaves, so it ends up finished unless cancelled.
    if (outcome === "cancelled" && cancelled) finish(stored, cancelled);
    else if (outcome === "completed" && terminal?.response) finish(stored, terminal.response as Obj);
    else finish(stored, responseObject(run, "final"));
  }

  function finish(stored: StoredRun, final: Obj | undefined): void {
    stored.inProgress = false;
    stored.final = final;
  }

  function readRun(stored: StoredRun): Obj {
    const { run } = stored;
    if (stored.inProgress && run.request.background && !run.request.stream) {
      stored.polls++;
      const now = clock.now();
      const unfinished = stored.finishAt !== undefined ? now < stored.finishAt : stored.pollsLeft > 0;
      if (unfinished) {
        if (stored.finishAt === undefined) stored.pollsLeft--;
        // Queued at first (live: "queued", "queued", "completed" for a fast run), then in progress with sources.
        const queued = stored.finishAt !== undefined ? now - stored.startedAt < Math.min(1000, (stored.finishAt - stored.startedAt) / 4) : stored.polls === 1;
        stored.stage = queued ? "queued" : "in_progress";
        return unfinishedObject(run, stored.stage);
      }
      finish(stored, responseObject(run, "final"));
    }
    // A streaming run finishes only when its stream ends.
    return stored.inProgress ? responseObject(run, "in_progress") : (stored.final ?? responseObject(run, "final"));
  }

  function cancelRun(stored: StoredRun): void {
    stored.run.status = "cancelled";
    stored.run.error = { message: "cancelled", type: "cancelled", code: "cancelled" };
    stored.cancel.abort();
    // A streaming run is finished by its stream (with response.cancelled); a background one right here, as captured.
    if (!stored.run.request.stream) finish(stored, stored.run.request.background ? cancelledRunObject(stored.run, stored.stage) : responseObject(stored.run, "final", { status: "cancelled", completed_at: null }));
  }

  /** Writes the stored background runs to `runsFile`, if there is one. */
  function save(): void {
    if (!options.runsFile) return;
    const kept = [...runs.values()].filter((r) => r.run.request.background && r.stored);
    writeFileSync(options.runsFile, JSON.stringify(kept.map(({ cancel: _cancel, ...rest }) => rest)));
  }

  /** Reads the runs another emulator process kept in `runsFile`. */
  function load(): void {
    if (!options.runsFile || !existsSync(options.runsFile)) return;
    try {
      const kept = JSON.parse(readFileSync(options.runsFile, "utf8")) as Omit<StoredRun, "cancel">[];
      for (const r of kept) runs.set(r.run.id, { ...r, cancel: new AbortController() });
    } catch {
      log(`emulator: ${options.runsFile} could not be read; starting without its runs`);
    }
  }
  load();

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      resolve({
        baseUrl: `${origin}/v1`,
        origin,
        requests,
        startedRuns: () => [...runs.values()].map(({ run }) => ({ id: run.id, background: run.request.background === true, cancelled: run.status === "cancelled" })),
        setScenario(next: Scenario) {
          scenario = next;
          cursor = new StepCursor(next);
          accepted = [];
        },
        close() {
          return new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          });
        },
      });
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(body: string): unknown {
  if (body === "") return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** Run objects are passed through sortKeys() first (key order of the capture); error envelopes keep the documented order. */
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html), ...headers });
  res.end(html);
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, error.body);
}

function sendHttpStep(res: ServerResponse, step: HttpStep): void {
  const headers = step.headers ?? {};
  if (step.html !== undefined) return sendHtml(res, step.status, step.html, headers);
  if (step.body !== undefined) {
    res.writeHead(step.status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(step.body);
    return;
  }
  const json = step.json ?? apiError(step.status, STATUS_TYPES[step.status] ?? "error", `emulated HTTP ${step.status}`).body;
  sendJson(res, step.status, json, headers);
}

/** A captured answer, as it was sent: status, headers (a repeated header as a list) and the body byte for byte. */
function sendReply(res: ServerResponse, reply: RouteReply): void {
  res.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/** A replayed answer: a body, or stream payloads each framed as one SSE event. */
function sendReplay(res: ServerResponse, step: ReplayStep): void {
  if (step.events) {
    res.writeHead(step.status, step.headers ?? sseHeaders());
    for (const event of step.events) res.write(`data: ${event}\n\n`);
    res.end();
    return;
  }
  sendReply(res, { status: step.status, ...(step.headers ? { headers: step.headers } : {}), body: step.body ?? "" });
}

/** Aborted when the client closes the connection (or close() destroys it). */
function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  return controller.signal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = ms === Infinity ? undefined : setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
