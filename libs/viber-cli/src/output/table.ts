/** Formats rows of cells as aligned columns (two spaces between columns, no trailing spaces). */
export function renderColumns(rows: ReadonlyArray<readonly string[]>, indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    (
      indent +
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('  ')
    ).trimEnd(),
  );
}

/** A value as a table cell: `-` for nothing, lists joined with commas, objects as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `label  value` lines for the fields of a record, in the given order, skipping absent ones. */
export function renderFields(
  fields: ReadonlyArray<readonly [label: string, value: unknown]>,
  indent = '  ',
): string[] {
  return renderColumns(
    fields.filter(([, value]) => value !== undefined).map(([label, value]) => [label, cell(value)]),
    indent,
  );
}
