import type { DeltaPage } from "./teams-voice.js";

const LINK = /"@odata\.(nextLink|deltaLink)"\s*:\s*("(?:[^"\\]|\\.)*")/g;

/**
 * A delta page read from Graph's raw answer: the links at once, the users (`value`) parsed on first use. A page's
 * links are all the next request needs, and parsing a 999-user page takes milliseconds; read this way the next
 * page is asked for before this one is parsed. The links are top-level annotations, before `value` (as
 * Microsoft documents the delta response) or after it, so only the text outside the `value` array is searched;
 * the full parse checks them, and a page whose links are not found there is parsed at once.
 */
export function readDeltaPage(answer: string): DeltaPage {
  let text = answer;
  const valueAt = text.indexOf('"value"');
  const arrayEnd = text.lastIndexOf("]");
  const outside =
    valueAt < 0 || arrayEnd < valueAt ? null : [text.slice(0, valueAt), text.slice(arrayEnd + 1)];
  const links: { nextLink?: string; deltaLink?: string } = {};
  for (const part of outside ?? []) {
    for (const [, name, literal] of part.matchAll(LINK))
      links[name as "nextLink" | "deltaLink"] = JSON.parse(literal!);
  }
  if (!links.nextLink && !links.deltaLink) return JSON.parse(text) as DeltaPage;
  let parsed: DeltaPage | null = null;
  const page = {
    get value() {
      if (!parsed) {
        const full = JSON.parse(text) as DeltaPage;
        if (full["@odata.nextLink"] !== links.nextLink || full["@odata.deltaLink"] !== links.deltaLink)
          throw new Error("A Graph delta page's links were read wrongly before it was parsed.");
        parsed = full;
        text = ""; // as large as the users: not kept beside them
      }
      return parsed.value;
    },
  } as DeltaPage;
  if (links.nextLink) page["@odata.nextLink"] = links.nextLink;
  if (links.deltaLink) page["@odata.deltaLink"] = links.deltaLink;
  return page;
}
