/** Markdown pieces shared by the generated pages. */

/** The first paragraph of a generated page: where it comes from and how to regenerate it. */
export const GENERATED_NOTICE = (command: string, source: string): string =>
  `_Generated from ${source} by \`${command}\`; edit the source, not this page (a unit test fails when they differ)._`;

/** A table; pipes in cells are escaped so a cell never splits. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
