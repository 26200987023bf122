import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KEY_FRAGMENT, KeyScrubber, scrubKey, StreamScrubber } from "../../src/perplexity/key-scrub";

const KEY = "pplx-Zq8v3LrT0aWm9XyK2bNc7HdF4gJe1uPs6iOt5RlQ";
const k = new KeyScrubber(KEY);

/** Whether any run of KEY_FRAGMENT characters of the key is in `text`. */
function leaks(text: string, key = KEY): boolean {
  for (let i = 0; i + KEY_FRAGMENT <= key.length; i++) if (text.includes(key.slice(i, i + KEY_FRAGMENT))) return true;
  return false;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("scrubKey", () => {
  it("removes the key in the forms an echo takes", () => {
    const echoes = [
      `invalid api key ${KEY}`,
      `Incorrect API key provided: ${KEY.slice(0, 14)}...${KEY.slice(-4)}`,
      `key=${KEY.slice(5)}`, // without its prefix
      `Authorization: Bearer ${KEY}`,
      `Authorization: Basic ${b64(`:${KEY}`)}`,
      `logged ${b64(`Bearer ${KEY}`)}`,
      `raw ${b64(KEY)} and url-safe ${b64(KEY).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`,
      `?key=${encodeURIComponent(KEY)}`,
      `split ${[...KEY].join("\u200b")}`,
      `bidi ${KEY.slice(0, 20)}\u202e${KEY.slice(20)}`,
      `ansi ${KEY.slice(0, 20)}\x1b[0m${KEY.slice(20)}`,
      `soft ${[...KEY].join("\u00ad")}`,
    ];
    for (const echo of echoes) {
      const out = scrubKey(echo, KEY);
      expect({ echo, leaks: leaks(out) }).toEqual({ echo, leaks: false });
      expect(out).toContain("[key]");
    }
  });

  it("leaves text without the key as it is", () => {
    const text = "The pplx-embed-v1 model and sk-12345 are not your key. Zq8v3 is too short to be it.";
    expect(scrubKey(text, KEY)).toBe(text);
    expect(scrubKey("", KEY)).toBe("");
  });

  it("works for a key of any shape, short keys by exact match", () => {
    expect(scrubKey("the key is 0123-abcd-XYZ9 here", "0123-abcd-XYZ9")).toBe("the key is [key] here");
    expect(scrubKey("short abc9 key", "abc9")).toBe("short [key] key");
    expect(scrubKey("nothing to scrub", "")).toBe("nothing to scrub");
    expect(scrubKey("nothing to scrub", undefined)).toBe("nothing to scrub");
  });

  it("cleans what it returns (so the caller shows no control characters either)", () => {
    expect(scrubKey("bell\x07 and \u202eflip", KEY)).toBe("bell and flip");
  });
});

describe("StreamScrubber", () => {
  const piece = fc.oneof(
    fc.constantFrom(KEY, KEY.slice(0, 13), KEY.slice(7, 30), KEY.slice(-15), "\u200b", "\u202e", "\x1b[1m", "\r", "\n", "漢字テキスト", "é", "👨‍👩‍👧", "❤️", "\ufe0f"),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: "grapheme", minLength: 20, maxLength: 200 }),
  );
  // Long enough for prefixes to be settled many times over.
  const text = fc.array(piece, { minLength: 60, maxLength: 400 }).map((p) => p.join(""));

  it("property: every view of a growing text is the scrub of that text, and never shows the key", () => {
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 60 }), (whole, cuts) => {
        const stream = new StreamScrubber(k);
        let at = 0;
        for (const step of [...cuts, whole.length]) {
          at = Math.min(whole.length, at + step);
          const raw = whole.slice(0, at);
          const view = stream.view(raw);
          expect(leaks(view)).toBe(false);
          if (at === whole.length) {
            expect(view).toBe(k.scrub(whole));
            break;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("costs about as much per delta however long the answer already is", () => {
    // Counted, not timed: how much text each view scrubs again.
    let scrubbed = 0;
    const counting = new KeyScrubber(KEY);
    const scrub = counting.scrub.bind(counting);
    counting.scrub = (t: string) => {
      scrubbed += t.length;
      return scrub(t);
    };
    const stream = new StreamScrubber(counting);
    let raw = "";
    for (let i = 0; i < 20_000; i++) {
      raw += `word${i % 97} `;
      stream.view(raw);
    }
    expect(stream.view(raw)).toBe(k.scrub(raw));
    // Scrubbing the whole text at every delta would be about 20,000²/2 × 8 characters (1.6 billion), 80,000 a
    // delta on average; here each delta costs a window of bounded size whatever the length so far.
    expect(scrubbed / 20_000).toBeLessThan(2_000);
  });
});
