/** Calendar arithmetic on UTC days (`YYYY-MM-DD`) and months (`YYYY-MM`), the report's only clock. */

/** Years 1900–9999, as every date at the API boundary (`http/schema-primitives.ts`). */
export const MONTH_PATTERN = /^(19\d\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;
export const DAY_PATTERN = /^(19\d\d|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return utcDay(at);
}

export function firstDayOf(month: string): string {
  return `${month}-01`;
}

export function lastDayOf(month: string): string {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return utcDay(new Date(Date.UTC(year, m, 0)));
}

/** The days after `after` up to `to`, both `YYYY-MM-DD`, at most `limit` of them (the latest). */
export function daysBetween(after: string, to: string, limit: number): string[] {
  const days: string[] = [];
  for (let day = to; day > after && days.length < limit; day = addDays(day, -1)) days.push(day);
  return days.reverse();
}
