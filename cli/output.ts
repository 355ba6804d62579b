/** A plain text table, columns padded to their widest cell. */
export function table(rows: Record<string, string | number | boolean | null | undefined>[], empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '-')));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const format = (line: string[]) =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(columns), ...cells.map(format)].join('\n') + '\n';
}

/** Writes the human text, or the data as JSON with --json. */
export function printer(json: boolean | undefined, stdout: { write(text: string): unknown }) {
  return (human: string, data: unknown): void => {
    stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : human);
  };
}
