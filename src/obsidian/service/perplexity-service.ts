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
import type { BatchSpend, SpendTracker } from "../../core/spend";
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

export class PerplexityService {
  private readonly inFlight = new Map<AbortController, { reason?: CancelReason }>();
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
