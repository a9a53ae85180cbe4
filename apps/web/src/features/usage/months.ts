/** The months the picker offers: the current one (UTC) and the `count - 1` before it, newest first. */
export function recentMonths(count: number, now = new Date()): string[] {
  const months: string[] = [];
  for (let back = 0; back < count; back++) {
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    months.push(at.toISOString().slice(0, 7));
  }
  return months;
}

/** "2026-11" → "November 2026". */
export function monthLabel(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-US", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}
