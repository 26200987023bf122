// The status bar item that shows how long Perplexity has been working: a deep-research answer takes
// minutes, and a ticking clock says the request is alive. One timer per status bar item, however
// many requests run; hidden when none does.
import { formatElapsed } from "../../core/partial-answer";

interface Tracker {
  starts: Set<number>;
  timer: number | null;
}

const trackers = new WeakMap<HTMLElement, Tracker>();

function render(el: HTMLElement, tracker: Tracker, now: number): void {
  if (tracker.starts.size === 0) {
    el.setText("");
    return;
  }
  const oldest = Math.min(...tracker.starts);
  const count = tracker.starts.size > 1 ? ` (${tracker.starts.size} requests)` : "";
  el.setText(`Perplexity ${formatElapsed(now - oldest)}${count}`);
}

/** Shows elapsed time in `el` until the returned function is called. */
export function trackElapsed(el: HTMLElement, now: () => number = () => Date.now()): () => void {
  let tracker = trackers.get(el);
  if (!tracker) {
    tracker = { starts: new Set(), timer: null };
    trackers.set(el, tracker);
  }
  const t = tracker;
  // Two requests started in the same millisecond still count as two.
  let start = now();
  while (t.starts.has(start)) start += 0.001;
  t.starts.add(start);
  if (t.timer === null) t.timer = window.setInterval(() => render(el, t, now()), 1000);
  render(el, t, now());
  return () => {
    t.starts.delete(start);
    if (t.starts.size === 0 && t.timer !== null) {
      window.clearInterval(t.timer);
      t.timer = null;
    }
    render(el, t, now());
  };
}
