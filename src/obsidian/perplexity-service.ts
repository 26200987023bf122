// Builds the Perplexity client from the current settings and tracks every request in flight,
// so "Cancel" and unloading the plugin can stop them all.
import { requestUrl } from "obsidian";
import type { App } from "obsidian";
import { createPerplexityClient } from "../perplexity/client";
import { createRequestUrlFetch } from "../perplexity/transport-request-url";
import type { Answer, AskRequest } from "../perplexity/types";
import type { PerplexityQuerySettings } from "../settings";

export class PerplexityService {
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly app: App,
    private readonly settings: () => PerplexityQuerySettings,
  ) {}

  private client() {
    const settings = this.settings();
    return createPerplexityClient({
      baseUrl: settings.baseUrl,
      // Read at request time: the key never sits in plugin state or data.json.
      getApiKey: () => this.app.secretStorage.getSecret(settings.apiKeySecret),
      fetch: createRequestUrlFetch(requestUrl),
      timeoutMs: settings.requestTimeoutSeconds * 1000,
    });
  }

  async ask(request: AskRequest): Promise<Answer> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      return await this.client().ask(request, { signal: controller.signal });
    } finally {
      this.inFlight.delete(controller);
    }
  }

  async testConnection(): Promise<void> {
    await this.client().testConnection();
  }

  get pendingCount(): number {
    return this.inFlight.size;
  }

  cancelAll(): number {
    const count = this.inFlight.size;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    return count;
  }
}
