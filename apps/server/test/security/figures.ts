/** Prints a security figure block: one line per figure, name and value aligned, so CI logs read as a table. */
export function printFigures(title: string, figures: Record<string, number | string>): void {
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  const lines = Object.entries(figures).map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
  console.log(`\n[security] ${title}\n${lines.join("\n")}\n`);
}
