// The DOMParser the plugin gets, as a browser's: a document made by `parseFromString` has no browsing context,
// so nothing it names is fetched or run: no stylesheet, no iframe page, no script (HTML standard, "DOMParser":
// the document is created with scripting disabled and no browsing context; MDN, DOMParser.parseFromString). The
// environment's own happy-dom DOMParser instead tries to load a page's <link rel=stylesheet> and <iframe> and,
// with loading disabled, prints a stack trace for each: noise the user of the demo never sees in Obsidian. So
// pages are parsed in a window of their own with every loader off and a console of its own, whose messages
// can only be about those loads.
import { VirtualConsole, VirtualConsolePrinter, Window } from "happy-dom";

let inert: Window | null = null;

function inertWindow(): Window {
  inert ??= new Window({
    console: new VirtualConsole(new VirtualConsolePrinter()) as unknown as Console,
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      handleDisabledFileLoadingAsSuccess: true,
      navigation: { disableMainFrameNavigation: true, disableChildFrameNavigation: true, disableChildPageNavigation: true },
    },
  });
  return inert;
}

export class InertDOMParser {
  parseFromString(text: string, type: DOMParserSupportedType): Document {
    const Parser = inertWindow().DOMParser;
    return new Parser().parseFromString(text, type) as unknown as Document;
  }
}
