// Builds the Perplexity client from the current settings and tracks every request in flight,
// so "Cancel" and unloading the plugin can stop them all. On the desktop app every request to Perplexity goes
// over Node's http/https, which never follows a redirect (a redirect of a request carrying the key is refused,
// see errors.ts); answers stream there when the streaming setting is on. On mobile, and whenever those modules
// cannot be loaded, requests go through requestUrl, which buffers and follows redirects itself (the plugin
// cannot stop it: docs/security.md). Node ignores the system proxy and certificate store that requestUrl uses:
// when Node cannot even connect (nothing was sent), the same request goes through requestUrl, and so do later
// ones this session.
import { Notice, requestUrl } from "obsidian";
import type { App } from "obsidian";
import { createPerplexityClient } from "../../perplexity/client";
import { listModels } from "../../perplexity/models";
import { PerplexityError, messages } from "../../perplexity/errors";
import { createNodeHttpsFetch, fetchWithFallback } from "../../perplexity/transport-node-https";
import type { NodeHttpLike } from "../../perplexity/transport-node-https";
import { createRequestUrlFetch } from "../../perplexity/transport-request-url";
import { CONNECTION_TEST_REQUEST } from "../../perplexity/client";
import { requestKind } from "../../core/spend";
import type { BatchSpend, SpendReservation, SpendTracker } from "../../core/spend";
import type { CancelResult } from "../../perplexity/client";
import type { RunSnapshot } from "../../perplexity/response";
import { mayHaveBeenBilled } from "./spend-status";
import type { AskRequest } from "../../core/ask-request";
import type { Answer, StreamProgress } from "../../core/answer";
import { timeoutMsFor } from "../../core/stream-timeouts";
import type { PerplexityQuerySettings } from "../../settings";
import { hasFunction, nodeModule } from "../node-modules";

/** Why requests were stopped: the user's cancel command, or the plugin unloading. */
export type CancelReason = "user" | "unload";

interface NodeHttpModules {
  http: NodeHttpLike;
  https: NodeHttpLike;
}

/** Node's http and https, on the desktop app only; null on mobile or when they cannot be loaded. */
function loadNodeHttp(): NodeHttpModules | null {
  const http = nodeModule("http");
  const https = nodeModule("https");
  return hasFunction(http, "request") && hasFunction(https, "request") ? { http: http as NodeHttpLike, https: https as NodeHttpLike } : null;
}

export interface ServiceAskOptions {
  /** Progress of a streamed answer (never called for a buffered one). */
  onProgress?: (p: StreamProgress) => void;
  /** Stops just this request (a refresh batch cancelled, a placeholder deleted), nothing else. */
  signal?: AbortSignal;
  /** The batch this request belongs to, for the per-batch spending cap. */
  batch?: BatchSpend;
}

/** A background run just started: its first snapshot and what it holds against the spending caps. */
export interface StartedRun {
  snapshot: RunSnapshot;
  reservation?: SpendReservation;
}

/** The longest a background run's start, GET or cancel may take: short JSON requests, unlike an answer held open. */
const RUN_REQUEST_TIMEOUT_MS = 60_000;

export class PerplexityService {
  private readonly inFlight = new Map<AbortController, { reason?: CancelReason }>();
  /** Paid requests wait for this: the reservations of background runs found pending after a restart. */
  private restored: Promise<void> = Promise.resolve();
  private node: NodeHttpModules | null | undefined;
  /** Why the streaming transport could not connect, once it could not: requests go through requestUrl. */
  private streamingUnreachable: string | null = null;
  private modelList: { source: string; ids: Promise<string[]> } | undefined;
  /** The last reason the models could not be listed, said once. */
  private modelsProblem: string | undefined;

  constructor(
    private readonly app: App,
    private readonly settings: () => PerplexityQuerySettings,
    /** The spending caps: every paid request passes `reserve` first (never sent past a cap). */
    private readonly spend?: SpendTracker,
  ) {}

  /** Node's http modules (desktop app), loaded once; null on mobile, or once they could not connect this session. */
  private nodeTransport(): NodeHttpModules | null {
    if (this.streamingUnreachable !== null) return null;
    if (this.node === undefined) this.node = loadNodeHttp();
    return this.node;
  }

  /** The fetch every request to Perplexity uses: Node's (never following redirects) where it exists, else requestUrl. */
  private apiFetch(node: NodeHttpModules | null): typeof fetch {
    return node ? fetchWithFallback(createNodeHttpsFetch(node), createRequestUrlFetch(requestUrl), (error) => this.streamingFailed(error)) : createRequestUrlFetch(requestUrl);
  }

  private client(timeoutMs: number, node: NodeHttpModules | null) {
    const settings = this.settings();
    return createPerplexityClient({
      baseUrl: settings.baseUrl,
      // Read at request time: the key never sits in plugin state or data.json.
      getApiKey: () => this.app.secretStorage.getSecret(settings.apiKeySecret),
      fetch: this.apiFetch(node),
      timeoutMs,
    });
  }

  /**
   * Asks; rejects with a PerplexityError. An aborted request's error has `detail` "user" or "unload"
   * (why it was stopped) and the partial answer that had arrived, if any.
   */
  async ask(request: AskRequest, options: ServiceAskOptions = {}): Promise<Answer> {
    await this.restored;
    // Throws a SpendCapError (nothing sent) when the request would pass a spending cap.
    const reservation = this.spend?.reserve(requestKind(request.choice), options.batch);
    try {
      const answer = await this.send(request, options);
      reservation?.settle(true, answer.usage.totalCost);
      return answer;
    } catch (error) {
      reservation?.settle(mayHaveBeenBilled(error), error instanceof PerplexityError ? error.partial?.usage.totalCost : undefined);
      throw error;
    }
  }

  private async send(request: AskRequest, options: ServiceAskOptions): Promise<Answer> {
    const controller = new AbortController();
    const entry: { reason?: CancelReason } = {};
    this.inFlight.set(controller, entry);
    const stop = () => {
      entry.reason ??= "user";
      controller.abort();
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener("abort", stop, { once: true });
    try {
      const node = this.nodeTransport();
      const stream = node !== null && this.settings().streaming;
      if (controller.signal.aborted) throw new PerplexityError("aborted", messages.aborted());
      return await this.client(timeoutMsFor(request, this.settings().requestTimeoutSeconds, stream), node).ask(request, {
        signal: controller.signal,
        stream,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    } catch (error) {
      if (error instanceof PerplexityError && error.kind === "aborted" && entry.reason) {
        throw new PerplexityError("aborted", error.message, { detail: entry.reason, ...(error.partial ? { partial: error.partial } : {}) });
      }
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", stop);
      this.inFlight.delete(controller);
    }
  }

  /** Until `done` settles, paid requests wait (so a restored run's estimate counts before anything new is sent). */
  waitForRestored(done: Promise<unknown>): void {
    this.restored = done.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Starts a background run (`background: true`): reserved against the caps like any ask (a SpendCapError,
   * nothing sent, when it would pass one); the reservation is the caller's to settle when the run ends.
   */
  async startRun(request: AskRequest, options: { signal?: AbortSignal; batch?: BatchSpend } = {}): Promise<StartedRun> {
    await this.restored;
    const reservation = this.spend?.reserve(requestKind(request.choice), options.batch);
    try {
      const snapshot = await this.tracked(options.signal, (signal) => this.runClient().startRun(request, { signal }));
      return { snapshot, ...(reservation ? { reservation } : {}) };
    } catch (error) {
      reservation?.settle(mayHaveBeenBilled(error), undefined);
      throw error;
    }
  }

  /** GET /v1/responses/{id}: a background run as it is now. Costs no run; counts as a request against rate limits. */
  retrieveRun(responseId: string, options: { signal?: AbortSignal } = {}): Promise<RunSnapshot> {
    return this.tracked(options.signal, (signal) => this.runClient().retrieveRun(responseId, { signal }));
  }

  /**
   * Asks Perplexity to stop a run: whether it was still running ("cancelling"), had ended, or is unknown. Not
   * tracked as a request in flight: stopping everything (cancel, unload) must not stop the cancel itself.
   */
  cancelRun(responseId: string): Promise<CancelResult> {
    return this.runClient().cancelRun(responseId);
  }

  /** Background requests are short JSON, sent like any other: over Node on desktop (no redirect followed), requestUrl on mobile. */
  private runClient() {
    return this.client(Math.min(RUN_REQUEST_TIMEOUT_MS, this.settings().requestTimeoutSeconds * 1000), this.nodeTransport());
  }

  /** Runs `work` as a request in flight: the cancel command and unloading stop it; `signal` too. */
  private async tracked<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const entry: { reason?: CancelReason } = {};
    this.inFlight.set(controller, entry);
    const stop = () => controller.abort();
    if (signal?.aborted) stop();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      if (controller.signal.aborted) throw new PerplexityError("aborted", messages.aborted());
      return await work(controller.signal);
    } finally {
      signal?.removeEventListener("abort", stop);
      this.inFlight.delete(controller);
    }
  }

  /** Node's transport could not connect where requestUrl could: later requests go through requestUrl. */
  private streamingFailed(error: unknown): void {
    this.streamingUnreachable = error instanceof Error ? error.message : String(error);
    console.warn(`Perplexity Query: Node's https could not connect, requests go through Obsidian's requestUrl instead (${this.streamingUnreachable}).`);
  }

  /** Why answers are not streamed although streaming is on (null: they are, where the platform allows). */
  get streamingFallbackReason(): string | null {
    return this.streamingUnreachable;
  }

  /** Tracked like an ask, so "Cancel" and unloading the plugin stop it too. */
  async testConnection(): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(controller, {});
    const reservation = this.spend?.reserve(requestKind(CONNECTION_TEST_REQUEST.choice));
    try {
      const report = await this.client(this.settings().requestTimeoutSeconds * 1000, this.nodeTransport()).testConnection({ signal: controller.signal });
      reservation?.settle(true, report.totalCost);
    } catch (error) {
      reservation?.settle(mayHaveBeenBilled(error), undefined);
      throw error;
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /**
   * The models Perplexity lists, fetched with the key once per base URL and key setting when a model field is used.
   * A failure (no key, a rejected key, offline) gives no suggestions this time, says why once, and is not kept:
   * the next use asks again. Typing a model name by hand always works.
   */
  models(): Promise<string[]> {
    const { baseUrl, apiKeySecret } = this.settings();
    const source = `${apiKeySecret}\n${baseUrl}`;
    if (this.modelList?.source !== source) {
      const ids = Promise.resolve(this.app.secretStorage.getSecret(apiKeySecret))
        .then((key) => listModels(this.apiFetch(this.nodeTransport()), baseUrl, key ?? ""))
        .catch((error: unknown) => {
          if (this.modelList?.ids === ids) this.modelList = undefined; // ask again next time
          const message = error instanceof PerplexityError ? error.message : messages.network();
          if (message !== this.modelsProblem) new Notice(`Perplexity's models could not be listed. ${message}`, 8000);
          this.modelsProblem = message;
          return [];
        });
      this.modelList = { source, ids };
    }
    return this.modelList.ids;
  }

  get pendingCount(): number {
    return this.inFlight.size;
  }

  /** Aborts every request in flight (a streamed run is also cancelled at Perplexity by the client). */
  cancelAll(reason: CancelReason = "user"): number {
    const count = this.inFlight.size;
    for (const [controller, entry] of this.inFlight) {
      entry.reason = reason;
      controller.abort();
    }
    this.inFlight.clear();
    return count;
  }
}
