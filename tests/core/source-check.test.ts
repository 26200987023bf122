import { Window } from "happy-dom";
import { describe, expect, it } from "vitest";
import {
  archiveUrl, claimsFor, compare, decodeEntities, decodePage, describeChecks, extractHtml, findFigures, isCheckDue, judge, normalizeText,
  passageFound, privateHostReason, applySourceCheck, snippetOfNote, sourceCheckOf, type CheckInput, type FetchOutcome,
} from "../../src/core/source-check";

const parser = new new Window().DOMParser() as unknown as CheckInput["parser"];
const TODAY = "2026-12-01";
const enc = (s: string) => new TextEncoder().encode(s);
const html = (body: string, head = "") => `<!doctype html><html><head><title>T</title>${head}</head><body>${body}</body></html>`;
const filler = "<p>" + "This paragraph is ordinary reading text that pads the page so that it counts as a real article. ".repeat(4) + "</p>";
const ok = (body: string, type = "text/html; charset=utf-8"): FetchOutcome => ({ kind: "response", status: 200, headers: { "content-type": type }, body: typeof body === "string" ? enc(body) : body });

const SNIPPET = "The company reported revenue of $4.5 billion for the fiscal year, up 12% from the year before.";
const ANSWER = "Acme grew quickly. Revenue reached $4.5 billion in 2025, up 12%. [[acme01]] Its rival lagged. [[rival2]]";
const input = (over: Partial<CheckInput> = {}): CheckInput => ({
  url: "https://news.example.com/acme",
  snippet: SNIPPET,
  claims: claimsFor(ANSWER, "acme01"),
  today: TODAY,
  parser,
  ...over,
});

describe("claims: the sentences citing a source", () => {
  it("takes the last sentence before the link group that includes the source", () => {
    expect(claimsFor(ANSWER, "acme01").map((c) => c.sentence)).toEqual(["Revenue reached $4.5 billion in 2025, up 12%."]);
    expect(claimsFor(ANSWER, "rival2").map((c) => c.sentence)).toEqual(["Its rival lagged."]);
    expect(claimsFor(ANSWER, "nobody")).toEqual([]);
  });
  it("reads an answer as written into the note, escaped (issue 19), with its figures", () => {
    const [claim] = claimsFor("Revenue reached \\$4.5 billion in 2025, up 12\\%. [[acme01]]", "acme01");
    expect(claim?.sentence).toBe("Revenue reached $4.5 billion in 2025, up 12%.");
    expect(claim?.figures.length).toBe(claimsFor(ANSWER, "acme01")[0]!.figures.length);
  });
  it("reads every link form the plugin writes, and groups of links", () => {
    const text = "A is 5%. [[Sources/abc123|abc123]] [xyz789](https://x.example/) B is 7%. [[abc123]]";
    expect(claimsFor(text, "abc123").map((c) => c.sentence)).toEqual(["A is 5%.", "B is 7%."]);
    expect(claimsFor(text, "xyz789").map((c) => c.sentence)).toEqual(["A is 5%."]);
  });
  it("finds amounts, percentages, plain numbers and dates as figures, not the digits of links", () => {
    const figures = claimsFor("On March 3, 2024 sales hit 1,234 units, 12 percent more, worth $4.5bn. [[a1b2c3]]", "a1b2c3")[0]!.figures;
    expect(figures.map((f) => f.key)).toEqual(["date:2024-03-03", "1234", "12%", "4.5e9"]);
  });
});

describe("matching", () => {
  it("normalises case, punctuation, whitespace and entities", () => {
    expect(decodeEntities("&quot;A&quot; &amp; B&#39;s &#x2014;")).toBe("\"A\" & B's —");
    expect(normalizeText("  Hello,\n  WORLD&nbsp;—  ok! ")).toBe(" hello world ok ");
  });
  it("finds a passage exactly, with small differences, and not when the page says something else", () => {
    const page = "Intro. The COMPANY reported revenue of $4.5 billion for the fiscal year, up 12 % from the year before. End.";
    expect(passageFound(SNIPPET, page)).toBe(true);
    expect(passageFound(SNIPPET.replace("reported", "announced"), page)).toBe(true);
    expect(passageFound("A completely different sentence about gardening and tomatoes in the spring.", page)).toBe(false);
    expect(passageFound("The company reported revenue … up 12% from the year before", page)).toBe(true);
  });
  it("compares figures by value", () => {
    const figures = findFigures("$4,500 million and 12 per cent and 3 Jan 2025");
    expect(figures.map((f) => f.key)).toEqual(["date:2025-01-03", "4500e6", "12%"]);
    const found = compare({ snippet: undefined, claims: claimsFor("It was $4.5 billion. [[abc123]]", "abc123"), today: TODAY }, "Revenue: 4,500 million dollars.");
    expect(found.verdict).toBe("supported");
    const claim = claimsFor("On March 3, 2024 it sold 1,234 units, 12% more, in March 2024. [[abc123]]", "abc123");
    expect(compare({ claims: claim, today: TODAY }, "Sold 1234 units (12 percent more) on 3 March 2024.").verdict).toBe("supported");
    // A number inside a longer one is not the figure: 12% is not in 112% or 3.12%.
    const partly = compare({ claims: claimsFor("Up 12%. [[abc123]]", "abc123"), today: TODAY }, "Up 112% or 3.12% or 12.5%.");
    expect(partly).toMatchObject({ verdict: "partly", missing: ["12%"] });
  });
});

describe("verdicts", () => {
  it("supported: the passage and the figures are on the page", () => {
    const check = judge(input(), ok(html(`<article><p>The company reported revenue of <b>$4.5 billion</b> for the fiscal year, up 12% from the year before.</p><p>Published 2025.</p></article>${filler}`)));
    expect(check).toEqual({ verdict: "supported", on: TODAY, found: ["the quoted passage", "$4.5 billion", "2025", "12%"] });
  });
  it("partly: the passage is there but a figure is not, and says which", () => {
    const check = judge(input(), ok(html(`<p>The company reported revenue of $4.5 billion for the fiscal year, up 9% from the year before, in 2025.</p>${filler}`)));
    expect(check.verdict).toBe("partly");
    expect(check.missing).toContain("12%");
    expect(check.found).toEqual(expect.arrayContaining(["$4.5 billion", "2025"]));
  });
  it("moved: the page names another canonical address", () => {
    const page = html(`<p>${SNIPPET} In 2025.</p>${filler}`, '<link rel="canonical" href="/archive/acme-2025">');
    const check = judge(input(), ok(page));
    expect(check.verdict).toBe("moved");
    expect(check.reason).toBe("https://news.example.com/archive/acme-2025");
    // The same address with another scheme or www. is not a move.
    expect(judge(input(), ok(html(`<p>${SNIPPET} In 2025.</p>${filler}`, '<link rel="canonical" href="http://www.news.example.com/acme/">'))).verdict).toBe("supported");
  });
  it("gone: 404 and 410; unknown: blocked, other statuses, errors, timeouts, size, type", () => {
    const status = (s: number) => judge(input(), { kind: "response", status: s, headers: {}, body: new Uint8Array() });
    expect(status(404)).toEqual({ verdict: "gone", on: TODAY, reason: "HTTP 404" });
    expect(status(410).verdict).toBe("gone");
    for (const s of [401, 403, 429, 500]) expect(status(s).verdict).toBe("unknown");
    expect(status(403).reason).toContain("HTTP 403");
    expect(judge(input(), { kind: "timeout", seconds: 15 }).reason).toContain("15 s");
    expect(judge(input(), { kind: "error", message: "getaddrinfo ENOTFOUND" }).reason).toContain("could not be reached");
    expect(judge(input(), { kind: "response", status: 200, headers: { "content-type": "text/html" }, body: new Uint8Array(3 * 1024 * 1024) }).reason).toContain("2 MB");
    expect(judge(input(), ok("%PDF-1.7", "application/pdf")).reason).toContain("application/pdf");
  });
  it("unknown, not partly, when the text is built by JavaScript", () => {
    const check = judge(input(), ok(html('<div id="app"></div><script>document.getElementById("app").textContent = "The company reported revenue of $4.5 billion";</script>')));
    expect(check.verdict).toBe("unknown");
    expect(check.reason).toContain("JavaScript");
  });
  it("reads an ISO-8859-1 page by its declared charset", () => {
    const text = `<p>Le chiffre d'affaires a atteint 4,5 milliards, selon l'étude publiée en 2025. Société générale.</p>${filler}`;
    const latin1 = Uint8Array.from([...html(text)].map((c) => c.charCodeAt(0)));
    const claims = claimsFor("La société a publié l'étude en 2025. [[fr0001]]", "fr0001");
    const snippet = "selon l'étude publiée en 2025";
    expect(judge(input({ snippet, claims }), { kind: "response", status: 200, headers: { "content-type": "text/html; charset=ISO-8859-1" }, body: latin1 }).verdict).toBe("supported");
    // Declared only in the page itself.
    const meta = Uint8Array.from([...html(text, '<meta charset="iso-8859-1">')].map((c) => c.charCodeAt(0)));
    expect(decodePage(meta, undefined, "html")).toContain("étude publiée");
  });
  it("takes nothing from hostile HTML but its text: scripts, handlers and javascript: links do not count", () => {
    const page = html(`<p onclick="alert(1)">Safe words <a href="javascript:alert(2)">link text</a>.</p><script>window.pwned = true; var x = "12%";</script><style>p{}</style><nav>Menu 12%</nav>${filler}`);
    const text = extractHtml(page, parser).text;
    expect(text).toContain("Safe words link text.");
    expect(text).not.toMatch(/alert|pwned|javascript|Menu/);
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
  });
  it("unknown when there is nothing to compare", () => {
    expect(judge(input({ snippet: undefined, claims: [] }), ok(html(filler))).verdict).toBe("unknown");
  });
});

describe("private hosts", () => {
  it.each([
    "http://127.0.0.1/", "http://localhost:8080/", "http://2130706433/", "http://0x7f.1/", "http://10.1.2.3/", "http://172.20.0.1/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/", "http://[::1]/", "http://[fe80::1]/", "http://[fd00::5]/", "http://[::ffff:192.168.0.1]/",
    "http://router.local/", "http://db.internal/", "http://printer/", "http://app.localhost/", "http://100.64.0.1/",
  ])("refuses %s", (url) => expect(privateHostReason(url)).not.toBeNull());
  it.each(["https://example.com/", "http://8.8.8.8/", "http://[2606:4700::1111]/", "https://localhost.example.com/", "http://172.32.0.1/"])("allows %s", (url) =>
    expect(privateHostReason(url)).toBeNull(),
  );
});

describe("archive, schedule, summary", () => {
  it("builds the Web Archive address nearest the citation date", () => {
    expect(archiveUrl("https://a.example/x?y=1", "2026-11-24")).toBe("https://web.archive.org/web/20261124/https://a.example/x?y=1");
  });
  it("is due once per interval", () => {
    expect(isCheckDue(undefined, TODAY, 30)).toBe(true);
    expect(isCheckDue("2026-11-02", TODAY, 30)).toBe(false);
    expect(isCheckDue("2026-11-01", TODAY, 30)).toBe(true);
    expect(isCheckDue("garbage", TODAY, 30)).toBe(true);
  });
  it("is due when the last check is dated in the future (9999-12-31 would never be due again)", () => {
    expect(isCheckDue("9999-12-31", TODAY, 30)).toBe(true);
    expect(isCheckDue("2026-12-02", TODAY, 30)).toBe(true);
    expect(isCheckDue(TODAY, TODAY, 30)).toBe(false);
  });
  it("sums up a block's checks", () => {
    const c = (verdict: "supported" | "partly" | "gone", on = TODAY) => ({ verdict, on });
    expect(describeChecks([c("supported", "2026-11-30"), c("partly"), c("supported"), c("gone"), c("supported")])).toBe("Sources checked 2026-12-01: 3 supported, 1 partly, 1 gone");
    expect(describeChecks([])).toBeNull();
  });
});

describe("the source note's side", () => {
  it("reads the snippet the note quotes, and nothing from the user's notes", async () => {
    const { sourceNoteBody } = await import("../../src/core/source-note");
    const body = sourceNoteBody({ id: "abc123", url: "https://a.example/x", title: "T", snippet: "First line of the snippet.\nSecond line & more." });
    expect(snippetOfNote(`---\nurl: https://a.example/x\n---\n${body}`)).toBe("First line of the snippet.\nSecond line & more.");
    expect(snippetOfNote("# T\n\n[T](https://a.example)\n\n## Notes\n\n> my own quote\n")).toBeUndefined();
  });
  it("writes only its own properties, and reads them back", () => {
    const fm: Record<string, unknown> = { url: "https://a.example/x", first_cited: "2026-11-24", mine: "kept", check_reason: "old" };
    applySourceCheck(fm, { verdict: "moved", on: TODAY, reason: "https://a.example/y", found: ["12%"] }, "https://a.example/x");
    expect(fm).toEqual({
      url: "https://a.example/x", first_cited: "2026-11-24", mine: "kept", checked: TODAY, check_status: "moved", final_url: "https://a.example/y",
      archive: "https://web.archive.org/web/20261124/https://a.example/x",
    });
    expect(sourceCheckOf(fm)).toEqual({ verdict: "moved", on: TODAY, reason: "https://a.example/y" });
    applySourceCheck(fm, { verdict: "partly", on: TODAY, missing: ["12%"] }, "https://a.example/x");
    expect(fm.final_url).toBeUndefined();
    expect(sourceCheckOf(fm)).toEqual({ verdict: "partly", on: TODAY, missing: ["12%"] });
    expect(sourceCheckOf({ check_status: "fine", checked: TODAY })).toBeUndefined();
  });
});
