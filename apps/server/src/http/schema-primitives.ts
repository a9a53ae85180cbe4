import { z } from "zod";

/**
 * The input boundary's building blocks. Every string a route accepts is `text()` (no NUL, no lone UTF-16
 * surrogate: PostgreSQL cannot store either, and they have no business in a name), every id is `uuid()`,
 * every date `isoDate()`/`isoDateTime()` within years 1900–9999, every cursor `cursor()`. Each states its
 * rule in the OpenAPI document (pattern, format, maxLength) and fails with a message naming the rule.
 */

export const UNSTORABLE_MESSAGE = "Cannot contain NUL characters or unpaired UTF-16 surrogates.";

/** True when `value` holds a NUL or a lone surrogate (JSON.parse accepts `"\ud800"`; PostgreSQL does not). */
export function hasUnstorableCharacters(value: string): boolean {
  return value.includes("\u0000") || LONE_SURROGATE.test(value);
}

export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** In `u` mode a surrogate pair is one code point, so only an unpaired surrogate is `\p{Cs}`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** No NUL anywhere; stated as a `pattern` in the OpenAPI document. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character refused.
export const NO_NUL = /^[^\u0000]*$/;

/** A string of at most `max` characters with no NUL and no lone surrogate. */
export function text(max: number) {
  return z
    .string()
    .max(max)
    .regex(NO_NUL, UNSTORABLE_MESSAGE)
    .refine((value) => !LONE_SURROGATE.test(value), UNSTORABLE_MESSAGE);
}

/** An id: a UUID (any version), lower or upper case. */
export function uuid(message = "Must be a UUID.") {
  return z.uuid({ message });
}

const MIN_YEAR = 1900;
const MAX_YEAR = 9999;
const inRange = (date: Date) =>
  !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= MIN_YEAR && date.getUTCFullYear() <= MAX_YEAR;
const RANGE_MESSAGE = `Must be a date between ${MIN_YEAR} and ${MAX_YEAR}.`;

/** `YYYY-MM-DD` between 1900 and 9999. */
export function isoDate() {
  return z.iso.date().refine((value) => inRange(new Date(`${value}T00:00:00Z`)), RANGE_MESSAGE);
}

/** An ISO 8601 date-time with offset, between 1900 and 9999. */
export function isoDateTime() {
  return z.iso.datetime({ offset: true }).refine((value) => inRange(new Date(value)), RANGE_MESSAGE);
}

/** A date (`YYYY-MM-DD`) or a date-time, between 1900 and 9999. */
export function isoDateOrDateTime() {
  return z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .refine(
      (value) => inRange(new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)),
      RANGE_MESSAGE,
    );
}

export function isDateInRange(date: Date): boolean {
  return inRange(date);
}

/**
 * An opaque pagination cursor: base64url, at most `max` characters, and accepted by `decode` (the
 * service's own decoder), so a forged or damaged cursor is a 400 naming `cursor`, never a database error.
 */
export function cursor(decode: (value: string) => unknown, max = 500) {
  return z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "Must be a cursor from a previous page.")
    .refine((value) => decode(value) !== null, "Must be a cursor from a previous page.");
}
