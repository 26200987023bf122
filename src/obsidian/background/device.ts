// Which device this is, for background runs: only the device that started a run polls it (core/background.ts).
// The id is random (nothing about the device or its user) and kept in Obsidian's per-vault localStorage
// (`app.saveLocalStorage`), which stays on this device: data.json and the vault itself are synced, so an id
// kept there would be every device's. Clearing the app's storage makes a new id: the runs started before
// then show as another device's, and "Take over" brings them back.
import type { App } from "obsidian";
import { isDeviceId, newDeviceId } from "../../core/background";

const DEVICE_KEY = "perplexity-query-device";
const RUNS_KEY = "perplexity-query-background-runs";

/** A random number from Web Crypto (mobile has no Node crypto), for the device id. */
function cryptoRandom(): number {
  const buffer = new Uint32Array(1);
  crypto.getRandomValues(buffer);
  return (buffer[0] ?? 0) / 2 ** 32;
}

export function deviceId(app: App): string {
  const stored: unknown = app.loadLocalStorage(DEVICE_KEY);
  if (isDeviceId(stored)) return stored;
  const id = newDeviceId(cryptoRandom);
  app.saveLocalStorage(DEVICE_KEY, id);
  return id;
}

/** Where a run this device polls was last seen: its run id, note and block. */
export interface RunHint {
  rid: string;
  path: string;
  blockId: string;
}

/**
 * The runs this device started and has not landed yet, so that a restart reads only their notes (never the whole
 * vault). Only a hint: the block in the note decides (`rowsOf`, then `findBlock` when writing); a hint whose note
 * was renamed elsewhere is found again by its block id in the metadata cache.
 */
export class RunHints {
  constructor(private readonly app: App) {}

  all(): RunHint[] {
    const raw: unknown = this.app.loadLocalStorage(RUNS_KEY);
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((h: unknown) => {
      const r = (typeof h === "object" && h !== null ? h : {}) as Record<string, unknown>;
      return typeof r.rid === "string" && typeof r.path === "string" && typeof r.blockId === "string" ? [{ rid: r.rid, path: r.path, blockId: r.blockId }] : [];
    });
  }

  private save(hints: RunHint[]): void {
    this.app.saveLocalStorage(RUNS_KEY, hints.length ? hints : null);
  }

  put(hint: RunHint): void {
    this.save([...this.all().filter((h) => h.rid !== hint.rid), hint]);
  }

  remove(...rids: string[]): void {
    const all = this.all();
    if (all.some((h) => rids.includes(h.rid))) this.save(all.filter((h) => !rids.includes(h.rid)));
  }

  renamed(from: string, to: string): void {
    const all = this.all();
    if (all.some((h) => h.path === from)) this.save(all.map((h) => (h.path === from ? { ...h, path: to } : h)));
  }
}
