// A simulated clock for the rate limiter (tests and bench): `sleep` waits in simulated time, which jumps to
// the next sleeper's deadline as soon as everything else has settled (pending promise callbacks have run
// and no `track`ed work is in flight). Real I/O wrapped in `track` therefore takes no simulated time: a batch
// of real HTTP requests against the emulator runs in real milliseconds while its pacing is measured exactly.

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
}

export class SimulatedClock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private holds = 0;
  private scheduled = false;

  constructor(start = 0) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new DOMException("Aborted", "AbortError"));
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      // Sorted by deadline, then by order of sleeping.
      let i = this.timers.length;
      while (i > 0 && this.timers[i - 1]!.at > timer.at) i--;
      this.timers.splice(i, 0, timer);
      signal?.addEventListener(
        "abort",
        () => {
          const at = this.timers.indexOf(timer);
          if (at !== -1) this.timers.splice(at, 1);
          reject(new DOMException("Aborted", "AbortError"));
        },
        { once: true },
      );
      this.schedule();
    });

  /** Simulated time stands still until `work` settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await work;
    } finally {
      this.holds--;
      this.schedule();
    }
  }

  /** Sleepers still waiting (a finished batch leaves none). */
  get pending(): number {
    return this.timers.length;
  }

  private schedule(): void {
    if (this.scheduled || this.holds > 0 || this.timers.length === 0) return;
    this.scheduled = true;
    // setImmediate runs after every pending promise callback: only then is nothing else left to happen now.
    setImmediate(() => {
      this.scheduled = false;
      if (this.holds > 0) return;
      const next = this.timers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.resolve();
      this.schedule();
    });
  }
}
