// The Web Archive's copy of a page nearest a date, as a URL: web.archive.org redirects
// /web/<yyyyMMddhhmmss>/<url> to the capture closest to that time. Built, never fetched.

export function archiveUrl(url: string, citedOn: string): string {
  const digits = citedOn.replace(/[^0-9]/g, "").slice(0, 14);
  return `https://web.archive.org/web/${digits || "2"}/${url}`;
}
