// RFC 4180 CSV of an answer's list of rows: a header row of the field names, then one line per row,
// CRLF-terminated, in the JSON answer's order. Rendered in chunks so a large answer is streamed
// rather than built as one string.

const ROWS_PER_CHUNK = 500;
// A spreadsheet treats a cell starting with one of these as a formula (or a formula's start);
// metric codes and external ids are chosen by Lago's customers, so such a cell is neutralised.
const FORMULA_START = /^[=+\-@\t\r]/;
// A plain decimal number ("-12.5" units) is data a spreadsheet must read as a number, never a formula.
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  // A list (overdue_balance's invoice ids) is one cell, its items separated by single spaces.
  let text = Array.isArray(value) ? value.join(" ") : String(value);
  // OWASP's advice: a leading single quote makes the spreadsheet show the text as text.
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (fields: unknown[]) => `${fields.map(csvField).join(",")}\r\n`;

/** The CSV text in chunks: the header row first, then ROWS_PER_CHUNK rows per chunk. */
export function csvChunks(columns: readonly string[], rows: readonly Record<string, unknown>[]): string[] {
  const chunks = [line([...columns])];
  for (let i = 0; i < rows.length; i += ROWS_PER_CHUNK) {
    chunks.push(rows.slice(i, i + ROWS_PER_CHUNK).map((row) => line(columns.map((name) => row[name]))).join(""));
  }
  return chunks;
}

/** A stream of the chunks, encoded as they are read. */
export function chunkStream(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}
