// The plugin's lifetime as background work sees it: once the plugin is disabled (onunload) nothing it
// started may write to the vault, create notes or show notices. Work that holds a half-written block in an
// open editor registers a cleanup that settles the block synchronously, while onunload still runs.
export class Lifetime {
  private readonly controller = new AbortController();
  private readonly cleanups = new Set<() => void>();

  /** Aborted when the plugin unloads. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs `cleanup` (synchronously, inside onunload) if the plugin unloads first; returns the unregister function. */
  onEnd(cleanup: () => void): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /** Called from onunload: ends the lifetime, then runs every cleanup; one that throws does not stop the others. */
  end(): void {
    this.controller.abort();
    for (const cleanup of [...this.cleanups]) {
      try {
        cleanup();
      } catch (error) {
        console.error("Perplexity Query: cleanup on unload failed", error);
      }
    }
    this.cleanups.clear();
  }
}
