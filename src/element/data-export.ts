/**
 * The data out of a chart: its streamed windows as CSV (every point the windows hold, not the
 * reduced drawing), and the modebar button that downloads them.
 */

/** A window: each per-point key's values, oldest first (keys may hold fewer points than others). */
export type WindowData = Record<string, readonly unknown[]>;

/** The name of the modebar button; a figure's `config.modeBarButtonsToRemove` may name it. */
export const DOWNLOAD_BUTTON = 'downloadData';

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
 * return first: a producer's text could be hostile) gets a leading `'`; quotes, commas and line
 * breaks are quoted.
 */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Windows as CSV: a header row of per-point keys (x and y first), then a row per point, oldest
 * first; keys holding fewer points than the longest are empty in the oldest rows (windows line up
 * at their newest point). With `traceColumn`, each row starts with its trace's index.
 */
export function windowsToCSV(
  windows: ReadonlyArray<{ trace: number; data: WindowData }>,
  traceColumn: boolean,
): string {
  const keys: string[] = [];
  for (const { data } of windows) for (const key of Object.keys(data)) if (!keys.includes(key)) keys.push(key);
  keys.sort((a, b) => rank(a) - rank(b));
  const lines = [[...(traceColumn ? ['trace'] : []), ...keys].map(cell).join(',')];
  for (const { trace, data } of windows) {
    const length = Math.max(0, ...keys.map((key) => data[key]?.length ?? 0));
    for (let row = 0; row < length; row++) {
      const cells = keys.map((key) => {
        const values = data[key] ?? [];
        return cell(values[row - (length - values.length)]);
      });
      lines.push((traceColumn ? [String(trace), ...cells] : cells).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const rank = (key: string) => (key === 'x' ? 0 : key === 'y' ? 1 : key === 'z' ? 2 : 3);

/** A download arrow over a bar, in Plotly's icon form. */
const ICON = { width: 1000, height: 1000, path: 'M440 100h120v420h150L500 760 290 520h150zM150 820h700v100H150z' };

/**
 * The figure's config with a "Download data" button in the modebar (beside Plotly's PNG download),
 * unless the config removes it by name (`modeBarButtonsToRemove: ['downloadData']`).
 */
export function withDownloadButton(config: Record<string, unknown>, download: () => void): Record<string, unknown> {
  const removed = config['modeBarButtonsToRemove'];
  if (Array.isArray(removed) && removed.includes(DOWNLOAD_BUTTON)) return config;
  const added = Array.isArray(config['modeBarButtonsToAdd']) ? (config['modeBarButtonsToAdd'] as unknown[]) : [];
  return {
    ...config,
    modeBarButtonsToAdd: [
      ...added,
      { name: DOWNLOAD_BUTTON, title: 'Download data (CSV)', icon: ICON, click: download },
    ],
  };
}

/** Saves text as a file through the browser's download. */
export function saveFile(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // Some browsers read the file after the click returns: the URL goes a while later (as FileSaver.js does).
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}
