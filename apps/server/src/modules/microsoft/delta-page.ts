import type { DeltaPage, DeltaUser } from "./teams-voice.js";

const LINK = /"@odata\.(nextLink|deltaLink)"\s*:\s*("(?:[^"\\]|\\.)*")/g;
const VALUE_KEY = '"value"';

type DeltaLinks = Pick<DeltaPage, "@odata.nextLink" | "@odata.deltaLink">;

/**
 * A delta page read from Graph's answer as it arrives. A page's links are all the next request needs, and Graph
 * sends them first (the top-level `@odata.nextLink` or `@odata.deltaLink` before `value`, as Microsoft documents
 * the delta response): once the bytes up to `"value"` have arrived and hold a link, the page is handed back with
 * its links while its users are still on their way, so the next page is asked for before this one has been
 * received. The users come from the whole answer, parsed when first asked for, and the parse checks the links
 * read early: a page whose links were read wrongly fails, on every read. When the links come after `value`
 * (OData allows it), the page is handed back once the whole answer has arrived, its links read from the text
 * outside the `value` array.
 */
export async function readDeltaPage(answer: ReadableStream<Uint8Array>): Promise<DeltaPage> {
  const reader = answer.getReader();
  const received: Uint8Array[] = [];
  const head = await readUpToValue(reader, received);
  const whole = readToEnd(reader, received);
  whole.catch(() => undefined); // a failure is the users' (users() rejects with it), or awaited just below
  const early = head === null ? {} : linksIn([head]);
  if (hasLink(early)) return pageOf(early, whole);
  const text = await whole;
  const links = linksOutsideValue(text);
  if (!hasLink(links)) {
    const users = (JSON.parse(text) as { value: DeltaUser[] }).value;
    return { users: async () => users };
  }
  return pageOf(links, Promise.resolve(text));
}

/** The text before the first `"value"` (the top level's annotations), or null when the answer ended before it. */
async function readUpToValue(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  received: Uint8Array[],
): Promise<string | null> {
  const decoder = new TextDecoder();
  let head = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return null;
    received.push(value);
    const from = Math.max(0, head.length - VALUE_KEY.length + 1);
    head += decoder.decode(value, { stream: true });
    const at = head.indexOf(VALUE_KEY, from);
    if (at >= 0) return head.slice(0, at);
  }
}

/** The whole answer's text, once its last byte has arrived. */
async function readToEnd(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  received: Uint8Array[],
): Promise<string> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received.push(value);
  }
  const text = new TextDecoder().decode(Buffer.concat(received));
  received.length = 0;
  return text;
}

/** The links annotated in these pieces of the answer's top level. */
function linksIn(pieces: string[]): DeltaLinks {
  const links: DeltaLinks = {};
  for (const piece of pieces) {
    for (const [, name, literal] of piece.matchAll(LINK))
      links[`@odata.${name as "nextLink" | "deltaLink"}`] = JSON.parse(literal!);
  }
  return links;
}

/** Links read from the text before `value` and after the end of its array: never from inside a user. */
function linksOutsideValue(text: string): DeltaLinks {
  const valueAt = text.indexOf(VALUE_KEY);
  const arrayEnd = text.lastIndexOf("]");
  if (valueAt < 0 || arrayEnd < valueAt) return {};
  return linksIn([text.slice(0, valueAt), text.slice(arrayEnd + 1)]);
}

const hasLink = (links: DeltaLinks) => Boolean(links["@odata.nextLink"] || links["@odata.deltaLink"]);

/** A page with these links, its users parsed from the whole answer on first use and the text then dropped. */
function pageOf(links: DeltaLinks, answer: Promise<string>): DeltaPage {
  let text: Promise<string> | null = answer;
  let users: Promise<DeltaUser[]> | null = null;
  return {
    ...links,
    users() {
      users ??= text!.then((whole) => checkedUsers(whole, links));
      text = null; // as large as the users: not kept beside them
      return users;
    },
  };
}

function checkedUsers(text: string, links: DeltaLinks): DeltaUser[] {
  const full = JSON.parse(text) as { value: DeltaUser[] } & DeltaLinks;
  if (
    full["@odata.nextLink"] !== links["@odata.nextLink"] ||
    full["@odata.deltaLink"] !== links["@odata.deltaLink"]
  )
    throw new Error("A Graph delta page's links were read wrongly before it was parsed.");
  return full.value;
}
