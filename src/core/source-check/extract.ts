// From a fetched page to the text a reader sees, without running or rendering anything: the HTML is parsed
// by an injected DOMParser (Obsidian's, built into every platform; happy-dom's in Node tests), which never
// runs scripts or loads resources, and elements that hold no reading text (scripts, styles, navigation,
// forms, …) are removed before the text is read. Only text and a few URLs leave this module.

/** The one DOMParser method used (Obsidian: `new DOMParser()`; tests: happy-dom's). */
export interface HtmlParser {
  parseFromString(html: string, type: "text/html"): Document;
}

/** Elements whose text is not part of what the page says. */
const NON_TEXT = "script, style, noscript, template, nav, header, footer, aside, form, button, select, svg, canvas, iframe, object, embed, head, dialog, [hidden], [aria-hidden=true]";

/** "text/html; charset=ISO-8859-1" → { type: "text/html", charset: "iso-8859-1" }. */
export function parseContentType(header: string | undefined): { type: string; charset?: string } {
  const [type = "", ...params] = (header ?? "").split(";");
  const out: { type: string; charset?: string } = { type: type.trim().toLowerCase() };
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p);
    if (m) out.charset = m[1]!.toLowerCase();
  }
  return out;
}

export type PageKind = "html" | "text";

/** Whether a content type is a page we can read; undefined for anything else (PDF, images, JSON, …). */
export function pageKind(type: string): PageKind | undefined {
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "text/plain") return "text";
  return undefined;
}

function decoderFor(charset: string | undefined): TextDecoder {
  try {
    return new TextDecoder(charset ?? "utf-8");
  } catch {
    return new TextDecoder("utf-8"); // an unknown label: read as UTF-8 rather than fail
  }
}

/** A `<meta charset>` or http-equiv content-type in the first 2 KB, as browsers look for it. */
function sniffMetaCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  const m = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The page's characters: the header's charset, else the page's own `<meta charset>`, else UTF-8. */
export function decodePage(bytes: Uint8Array, headerCharset: string | undefined, kind: PageKind): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decoderFor("utf-8").decode(bytes);
  const charset = headerCharset ?? (kind === "html" ? sniffMetaCharset(bytes) : undefined);
  return decoderFor(charset).decode(bytes);
}

export interface PageText {
  /** The visible text, whitespace collapsed. */
  text: string;
  /** `<link rel=canonical>` or `og:url`, as written (resolve against the page URL). */
  canonical?: string;
  /** Scripts the page has: with almost no text, it is built by JavaScript. */
  scripts: number;
}

const BLOCK_TAG = /<\/?(?:p|div|li|td|th|h[1-6]|br|tr|section|article|blockquote|dd|dt|figcaption|pre|ul|ol|table)\b/gi;

function collapse(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** The reading text of an HTML page (block elements separated by spaces), its canonical URL and script count. */
export function extractHtml(html: string, parser: HtmlParser): PageText {
  // textContent, not innerText: innerText needs layout, which a parsed document never gets. Block boundaries
  // would glue words together ("end.Next"), so a space goes before each block tag in the source: whitespace
  // between tags changes nothing a reader sees, and costs far less than touching every element afterwards.
  const doc = parser.parseFromString(html.replace(BLOCK_TAG, " $&"), "text/html");
  const canonical =
    doc.querySelector("link[rel~=canonical][href]")?.getAttribute("href") ??
    doc.querySelector('meta[property="og:url"][content]')?.getAttribute("content") ??
    undefined;
  const scripts = doc.querySelectorAll("script").length;
  const body = doc.body ?? doc.documentElement;
  for (const el of Array.from(body.querySelectorAll(NON_TEXT))) el.remove();
  const out: PageText = { text: collapse(body.textContent ?? ""), scripts };
  if (canonical !== undefined && canonical.trim() !== "") out.canonical = canonical.trim();
  return out;
}

export function extractPage(body: string, kind: PageKind, parser: HtmlParser): PageText {
  return kind === "html" ? extractHtml(body, parser) : { text: collapse(body), scripts: 0 };
}
