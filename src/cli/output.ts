import Table from 'cli-table3';

export type Cell = string | number | boolean | null | undefined;

/** What a command produced: rows for the table, and the same data for --json. */
export interface CommandOutput {
  /** Plain data printed by --json. */
  json: unknown;
  /** Column titles and rows of the table printed by default. */
  head: string[];
  rows: Cell[][];
  /** Column widths (null: fit the content); long text wraps within them. */
  widths?: (number | null)[];
  /** Lines printed under the table (summaries, advice). */
  notes?: string[];
  /** Printed on stderr, with --json too: what the operator should know (a prefix without keys). */
  warnings?: string[];
  /** Process exit code: 0 success, 1 problems found or nothing to act on. */
  exitCode: number;
}

/** The text a command prints: a table by default, JSON with --json. */
export function render(output: CommandOutput, json: boolean): string {
  if (json) return JSON.stringify(output.json, null, 2);
  // No colours: the output is read in terminals, logs and pipes alike.
  const table = new Table({
    head: output.head,
    style: { head: [], border: [] },
    wordWrap: true,
    ...(output.widths ? { colWidths: output.widths } : {}),
  });
  for (const row of output.rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : cell)));
  const lines = output.rows.length > 0 ? [table.toString()] : ['(none)'];
  return [...lines, ...(output.notes ?? [])].join('\n');
}

/** Shortens text for a table cell; --json keeps it whole. */
export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
