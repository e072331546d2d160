/** Header names recognised as the receiver column of a CSV file. */
const RECEIVER_HEADERS = [
  'receiver',
  'id',
  'user_id',
  'userid',
  'viber_id',
  'user',
  'subscriber_id',
];

/** The receivers read from a file. */
export interface ReceiverList {
  /** Every receiver once, in the order of first appearance. */
  receivers: string[];
  /** Receivers that appeared more than once (each counted for every repeat). */
  duplicates: number;
  /** Rows without a receiver (blank cells). */
  blank: number;
  /** The header of the column read, when the file has a header row. */
  column?: string;
}

/** Splits CSV text into rows of fields (RFC 4180 quotes, CRLF or LF, a leading BOM). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += char;
    } else if (char === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (char === ',') endField();
    else if (char === '\n') endRow();
    else if (char === '\r') {
      if (text[i + 1] !== '\n') endRow();
    } else field += char;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/**
 * Reads receivers from CSV text: one id per line, or a CSV file whose header row names the
 * column (`receiver`, `id`, `user_id`, … or `column`); the first column otherwise. Lines
 * starting with `#` are comments. Ids are trimmed; each is kept once.
 */
export function parseReceivers(text: string, column?: string): ReceiverList {
  const rows = parseCsv(text).filter(
    (row) => !(row.length === 1 && (row[0]!.trim() === '' || row[0]!.trimStart().startsWith('#'))),
  );
  let index = 0;
  let header: string | undefined;
  const first = rows[0]?.map((cell) => cell.trim().toLowerCase());
  if (column !== undefined) {
    const wanted = column.trim().toLowerCase();
    const found = first?.indexOf(wanted) ?? -1;
    if (found === -1) {
      throw new Error(
        `no column "${column}" in the header row (${rows[0]?.join(', ') ?? 'empty file'})`,
      );
    }
    index = found;
    header = rows[0]![found]!.trim();
    rows.shift();
  } else if (first !== undefined) {
    const found = first.findIndex((cell) => RECEIVER_HEADERS.includes(cell));
    if (found !== -1) {
      index = found;
      header = rows[0]![found]!.trim();
      rows.shift();
    }
  }
  const seen = new Set<string>();
  const receivers: string[] = [];
  let duplicates = 0;
  let blank = 0;
  for (const row of rows) {
    const id = (row[index] ?? '').trim();
    if (id === '') blank++;
    else if (seen.has(id)) duplicates++;
    else {
      seen.add(id);
      receivers.push(id);
    }
  }
  return { receivers, duplicates, blank, column: header };
}
