// Money: what Perplexity reported each answer cost, month by month, and the caps that stop a request before it
// is sent. The ledger lives in the plugin's data (data.json), which people sync and edit by hand, so reading it
// never throws: what cannot be read is dropped and reported. A request is checked against the caps with an
// estimate from the recorded costs of similar requests (same preset or model) plus every estimate still in
// flight, so two requests sent together cannot pass a cap together. A response without `usage.cost` counts as
// unknown: it adds nothing to the total, and every message about the total says how many are unknown.

/** How many recent costs per preset or model the estimate averages. */
export const ESTIMATE_SAMPLES = 20;
/** How many months of totals are kept (older ones only make data.json grow). */
export const MONTHS_KEPT = 24;

export interface MonthSpend {
  /** Sum of the reported costs, USD. */
  usd: number;
  /** Answers with a reported cost. */
  answers: number;
  /** Paid requests whose response reported no cost. */
  unknown: number;
}

export interface SpendLedger {
  v: 1;
  /** By month, "yyyy-MM" in UTC (Perplexity bills in UTC). */
  months: Record<string, MonthSpend>;
  /** The last costs of each preset or model (`requestKind`), oldest first. */
  recent: Record<string, number[]>;
}

export interface SpendCaps {
  /** USD per month; null: no cap. */
  monthlyUsd: number | null;
  /** USD per batch (a refresh of many answers, the questions of a selection); null: no cap. */
  batchUsd: number | null;
}

/** What one batch spent so far. */
export interface BatchSpend {
  usd: number;
  unknown: number;
  /** Estimates of this batch's requests still running. */
  inFlight: number;
}

export function newBatchSpend(): BatchSpend {
  return { usd: 0, unknown: 0, inFlight: 0 };
}

export interface Estimate {
  /** USD; undefined when nothing similar was ever recorded. */
  usd?: number;
  /** How many recorded costs it averages, and of what. */
  samples: number;
  basis: "same" | "any" | "none";
  kind: string;
}

export type CapCheck = { ok: true; estimate: Estimate } | { ok: false; message: string; estimate: Estimate };

export function emptyLedger(): SpendLedger {
  return { v: 1, months: {}, recent: {} };
}

export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** "preset fast" or "model openai/gpt-6-luna": what makes two requests cost alike. */
export function requestKind(choice: { preset: string } | { model: string }): string {
  return "preset" in choice ? `preset ${choice.preset}` : `model ${choice.model}`;
}

const isCost = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;
const isCount = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

/**
 * Reads whatever data.json holds under `spend` (nothing, an old version, a hand edit). Unreadable parts are
 * dropped and named in `problems`, so the user can be told that the month-to-date spend may be too low.
 */
export function normalizeLedger(raw: unknown): { ledger: SpendLedger; problems: string[] } {
  const ledger = emptyLedger();
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { ledger, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) return { ledger, problems: ["the spending record is not an object"] };
  const r = raw as Record<string, unknown>;
  const months = r.months;
  if (months !== undefined && (typeof months !== "object" || months === null || Array.isArray(months))) problems.push("the monthly totals are not an object");
  else if (months) {
    for (const [month, value] of Object.entries(months as Record<string, unknown>)) {
      const m = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || !isCost(m.usd)) {
        problems.push(`the total for ${JSON.stringify(month)} is unreadable`);
        continue;
      }
      ledger.months[month] = { usd: m.usd, answers: isCount(m.answers) ? m.answers : 0, unknown: isCount(m.unknown) ? m.unknown : 0 };
    }
  }
  const recent = r.recent;
  if (recent && typeof recent === "object" && !Array.isArray(recent)) {
    for (const [kind, list] of Object.entries(recent as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const costs = list.filter(isCost).slice(-ESTIMATE_SAMPLES);
      if (costs.length) ledger.recent[kind] = costs;
    }
  }
  return { ledger, problems };
}

/** Records one paid request: its reported cost, or undefined when the response reported none. */
export function recordSpend(ledger: SpendLedger, at: Date, kind: string, cost: number | undefined): void {
  const month = monthOf(at);
  const m = (ledger.months[month] ??= { usd: 0, answers: 0, unknown: 0 });
  if (isCost(cost)) {
    m.usd += cost;
    m.answers++;
    const list = (ledger.recent[kind] ??= []);
    list.push(cost);
    if (list.length > ESTIMATE_SAMPLES) list.splice(0, list.length - ESTIMATE_SAMPLES);
  } else {
    m.unknown++;
  }
  const months = Object.keys(ledger.months).sort();
  for (const old of months.slice(0, Math.max(0, months.length - MONTHS_KEPT))) delete ledger.months[old];
}

export function monthSpend(ledger: SpendLedger, now: Date): MonthSpend {
  return ledger.months[monthOf(now)] ?? { usd: 0, answers: 0, unknown: 0 };
}

/** The average recorded cost of requests of this kind; of any kind when none of this one was recorded. */
export function estimateCostOf(ledger: SpendLedger, kind: string): Estimate {
  const same = ledger.recent[kind];
  if (same?.length) return { usd: average(same), samples: same.length, basis: "same", kind };
  const all = Object.values(ledger.recent).flat();
  if (all.length) return { usd: average(all), samples: all.length, basis: "any", kind };
  return { samples: 0, basis: "none", kind };
}

function average(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd !== 0 && usd < 0.1 ? 4 : 2)}`;
}

/** Says where an estimate comes from ("about $0.0060, the average of the last 5 answers with preset fast"). */
export function describeEstimate(e: Estimate, count = 1): string {
  if (e.usd === undefined) return "no estimate yet (no answer with a reported cost has been recorded)";
  const what = e.basis === "same" ? `with ${e.kind}` : `of any kind (none with ${e.kind} yet)`;
  const each = count === 1 ? "" : ` (${formatUsd(e.usd)} each)`;
  const basis = e.samples === 1 ? "the cost of the last answer" : `the average of the last ${e.samples} answers`;
  return `about ${formatUsd(e.usd * count)}${each}, ${basis} ${what}`;
}

function unknownNote(unknown: number, where: string): string {
  if (!unknown) return "";
  return ` ${unknown} ${unknown === 1 ? "request" : "requests"} ${where} reported no cost and ${unknown === 1 ? "is" : "are"} not counted, so the real total may be higher.`;
}

export const RAISE_CAP = "Settings → Perplexity Query → Spending";

/**
 * Whether a request may be sent: month-to-date spend plus what is in flight plus its estimate must stay within
 * the monthly cap, and the batch's spend plus its estimate within the batch cap. A cap of 0 refuses every paid
 * request; with no estimate, a request is refused only once the cap is already reached.
 */
export function checkCaps(
  ledger: SpendLedger,
  now: Date,
  kind: string,
  caps: SpendCaps,
  inFlight: { usd: number },
  batch?: BatchSpend,
): CapCheck {
  const estimate = estimateCostOf(ledger, kind);
  const cost = estimate.usd ?? 0;
  const month = monthSpend(ledger, now);
  if (caps.monthlyUsd !== null) {
    const committed = month.usd + inFlight.usd;
    if (caps.monthlyUsd === 0 || committed >= caps.monthlyUsd || committed + cost > caps.monthlyUsd) {
      const pending = inFlight.usd > 0 ? ` (${formatUsd(inFlight.usd)} more is on its way in requests still running)` : "";
      const head =
        caps.monthlyUsd === 0
          ? "Not sent: your monthly Perplexity spending cap is $0, so no paid request is sent."
          : `Not sent: this request would pass your monthly Perplexity spending cap of ${formatUsd(caps.monthlyUsd)}.`;
      return {
        ok: false,
        estimate,
        message:
          `${head} Spent this month: ${formatUsd(month.usd)}${pending}.${unknownNote(month.unknown, "this month")} ` +
          `This request: ${describeEstimate(estimate)}. To send it, raise or clear the monthly cap in ${RAISE_CAP}.`,
      };
    }
  }
  if (batch && caps.batchUsd !== null) {
    const committed = batch.usd + batch.inFlight;
    if (caps.batchUsd === 0 || committed >= caps.batchUsd || committed + cost > caps.batchUsd) {
      return {
        ok: false,
        estimate,
        message:
          `Not sent: the next request would pass the per-batch spending cap of ${formatUsd(caps.batchUsd)}. ` +
          `This batch spent ${formatUsd(batch.usd)}.${unknownNote(batch.unknown, "in this batch")} Next request: ${describeEstimate(estimate)}. ` +
          `To let batches spend more, raise or clear the batch cap in ${RAISE_CAP}.`,
      };
    }
  }
  return { ok: true, estimate };
}

/** What the caps mean for a batch, said before anything is sent. */
export interface CapNote {
  text: string;
  /** Not even the first request fits under a cap (reached, $0, or less than one costs): the batch is not offered. */
  reached: boolean;
}

/**
 * What the caps mean for a batch of `count` requests of about `perItemUsd` each; null when they do not stop it.
 * `reached` is exactly when checkCaps would refuse the batch's first request, so a batch that is offered can start.
 */
export function batchCapNote(ledger: SpendLedger, now: Date, caps: SpendCaps, inFlightUsd: number, perItemUsd: number | undefined, count: number, noun: string): CapNote | null {
  if (count === 0) return null;
  const cost = perItemUsd ?? 0;
  const notes: CapNote[] = [];
  if (caps.monthlyUsd !== null) {
    const month = monthSpend(ledger, now);
    const committed = month.usd + inFlightUsd;
    const left = Math.max(0, caps.monthlyUsd - committed);
    if (caps.monthlyUsd === 0) notes.push({ text: `Your monthly spending cap is $0, so nothing is sent. Raise or clear it in ${RAISE_CAP}.`, reached: true });
    else if (committed >= caps.monthlyUsd) {
      notes.push({ text: `Your monthly spending cap of ${formatUsd(caps.monthlyUsd)} is reached (spent this month: ${formatUsd(month.usd)}), so nothing is sent. Raise or clear it in ${RAISE_CAP}.`, reached: true });
    } else if (committed + cost > caps.monthlyUsd) {
      notes.push({ text: `Your monthly cap of ${formatUsd(caps.monthlyUsd)} leaves ${formatUsd(left)}, less than one of these ${noun} costs (about ${formatUsd(cost)}), so nothing is sent. Raise or clear it in ${RAISE_CAP}.`, reached: true });
    } else if (perItemUsd && perItemUsd * count > left) {
      notes.push({ text: `Your monthly cap of ${formatUsd(caps.monthlyUsd)} leaves ${formatUsd(left)}: about ${Math.max(1, Math.floor(left / perItemUsd))} of these ${noun} fit, and the batch stops before the one that would pass the cap.`, reached: false });
    }
  }
  if (caps.batchUsd !== null) {
    if (caps.batchUsd === 0) notes.push({ text: `The per-batch spending cap is $0, so nothing is sent. Raise or clear it in ${RAISE_CAP}.`, reached: true });
    else if (cost > caps.batchUsd) {
      notes.push({ text: `The per-batch cap of ${formatUsd(caps.batchUsd)} is less than one of these ${noun} costs (about ${formatUsd(cost)}), so nothing is sent. Raise or clear it in ${RAISE_CAP}.`, reached: true });
    } else if (perItemUsd && perItemUsd * count > caps.batchUsd) {
      notes.push({ text: `The per-batch cap of ${formatUsd(caps.batchUsd)} allows about ${Math.max(1, Math.floor(caps.batchUsd / perItemUsd))} of these ${noun}; the batch stops before the one that would pass it.`, reached: false });
    }
  }
  return notes.find((n) => n.reached) ?? notes[0] ?? null;
}

/** The status bar text: month-to-date spend, with the cap when there is one. */
export function describeMonth(ledger: SpendLedger, now: Date, caps: SpendCaps): string {
  const m = monthSpend(ledger, now);
  const cap = caps.monthlyUsd === null ? "" : ` of ${formatUsd(caps.monthlyUsd)}`;
  const unknown = m.unknown ? ` (+${m.unknown} unknown)` : "";
  return `Perplexity ${formatUsd(m.usd)}${cap} this month${unknown}`;
}

/** Reads a cap as typed in settings or data.json: "" / null / "off" mean no cap; a non-negative number of USD. */
export function parseCap(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const t = value.trim().replace(/^\$/, "");
  if (t === "" || /^(off|none|no)$/i.test(t)) return null;
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** A request the caps refused; its message says what was spent, the estimate and how to raise the cap. */
export class SpendCapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpendCapError";
  }
}

/** A request allowed through the caps: its estimate counts as spent until it settles. */
export interface SpendReservation {
  readonly estimate: Estimate;
  /** The request ended: `paid` false when nothing could have been billed (it never reached Perplexity). */
  settle(paid: boolean, cost: number | undefined): void;
}

/**
 * The ledger with the requests in flight. `reserve` is the one gate every paid request passes; `changed` is
 * called after each settled request (to save data.json and update the status bar).
 */
export class SpendTracker {
  private reserved = 0;

  constructor(
    public ledger: SpendLedger,
    private readonly caps: () => SpendCaps,
    private readonly now: () => Date,
    private readonly changed: () => void,
  ) {}

  /** Throws a SpendCapError when the request would pass a cap; otherwise holds its estimate until it settles. */
  reserve(kind: string, batch?: BatchSpend): SpendReservation {
    const check = checkCaps(this.ledger, this.now(), kind, this.caps(), { usd: this.reserved }, batch);
    if (!check.ok) throw new SpendCapError(check.message);
    return this.holdEstimate(kind, check.estimate, batch);
  }

  /**
   * Holds `usd` for a request the caps admitted earlier, without checking them again: a background run found
   * pending after a restart (its block records the estimate it was admitted with) or taken over from another
   * device. It settles like any reservation: its reported cost replaces the estimate, or it counts as unknown.
   */
  hold(kind: string, usd: number, batch?: BatchSpend): SpendReservation {
    const amount = isCost(usd) ? usd : 0;
    return this.holdEstimate(kind, { usd: amount, samples: 0, basis: "none", kind }, batch);
  }

  private holdEstimate(kind: string, estimate: Estimate, batch?: BatchSpend): SpendReservation {
    const held = estimate.usd ?? 0;
    this.reserved += held;
    if (batch) batch.inFlight += held;
    let settled = false;
    return {
      estimate,
      settle: (paid, cost) => {
        if (settled) return;
        settled = true;
        this.reserved = Math.max(0, this.reserved - held);
        if (batch) batch.inFlight = Math.max(0, batch.inFlight - held);
        if (!paid) return;
        recordSpend(this.ledger, this.now(), kind, cost);
        if (batch) {
          if (isCost(cost)) batch.usd += cost;
          else batch.unknown++;
        }
        this.changed();
      },
    };
  }

  get inFlightUsd(): number {
    return this.reserved;
  }
}
