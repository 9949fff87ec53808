/**
 * Lays rows out as aligned, space-separated columns for a terminal.
 *
 * The last column is never padded, so long details (paths, versions) do not drag
 * trailing spaces through the output that scripts might parse.
 */
export function formatTable(
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => (row[column] ?? '').length)),
  );
  return all
    .map((row) =>
      header
        .map((_, column) => {
          const cell = row[column] ?? '';
          return column === header.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
