// The spending cap's glue: which failed requests may still have been billed, and the status bar item that
// shows month-to-date spend (a setting).
import type { Plugin } from "obsidian";
import { PerplexityError } from "../../perplexity/errors";
import { describeMonth } from "../../core/spend";
import type { SpendCaps, SpendTracker } from "../../core/spend";

/** Failures where Perplexity refused the request before any run started: nothing was billed. */
const NOT_BILLED = new Set(["missing-key", "key-rejected", "forbidden", "retired-endpoint", "rate-limited", "invalid-request", "network"]);

/**
 * Whether a failed request may have cost money. A run that started and then failed, timed out, was cancelled
 * or broke off may be billed; its cost is unknown unless the partial answer reported it.
 */
export function mayHaveBeenBilled(error: unknown): boolean {
  if (!(error instanceof PerplexityError)) return false;
  if (error.partial) return true;
  return !NOT_BILLED.has(error.kind);
}

/** Shows month-to-date spend in a status bar item while `show()` says so; `update` re-renders. */
export class SpendStatus {
  private el: HTMLElement | null = null;

  constructor(
    private readonly plugin: Plugin,
    private readonly tracker: () => SpendTracker,
    private readonly show: () => boolean,
    private readonly caps: () => SpendCaps,
    private readonly now: () => Date,
  ) {}

  update(): void {
    if (!this.show()) {
      this.el?.setText("");
      return;
    }
    this.el ??= this.plugin.addStatusBarItem();
    this.el.setText(describeMonth(this.tracker().ledger, this.now(), this.caps()));
  }

  get text(): string {
    return this.el?.getText() ?? "";
  }
}
