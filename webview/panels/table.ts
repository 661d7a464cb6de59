/** Builds a `vscode-table` (header row + body rows) from plain cells. */
import { h, type Child } from '../dom';

export interface Column {
  readonly label: string;
  /** Width for `vscode-table`'s `columns` (e.g. `"40%"`, `"120px"`, `"auto"`). */
  readonly width: string;
  readonly className?: string;
}

export interface Cell {
  readonly content: Child;
  /** Full text shown as a tooltip (cells ellipsize long names). */
  readonly title?: string;
  readonly className?: string;
}

export interface TableOptions {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly (Cell | Child)[])[];
  readonly testId?: string;
  readonly label: string;
  readonly className?: string;
  /** Extra class names per row. */
  readonly rowClass?: (rowIndex: number) => string | undefined;
}

function isCell(value: Cell | Child): value is Cell {
  return typeof value === 'object' && value !== null && !(value instanceof Node) && 'content' in value;
}

export function table(options: TableOptions): HTMLElement {
  const header = h(
    'vscode-table-header',
    { attrs: { slot: 'header' } },
    ...options.columns.map((c) => h('vscode-table-header-cell', { className: c.className }, c.label)),
  );
  const body = h(
    'vscode-table-body',
    { attrs: { slot: 'body' } },
    ...options.rows.map((row, rowIndex) =>
      h(
        'vscode-table-row',
        { className: options.rowClass?.(rowIndex) },
        ...row.map((cell, i) => {
          const columnClass = options.columns[i]?.className;
          if (isCell(cell)) {
            const className = [columnClass, cell.className].filter(Boolean).join(' ') || undefined;
            return h('vscode-table-cell', { className, attrs: { title: cell.title } }, cell.content);
          }
          return h('vscode-table-cell', { className: columnClass }, cell);
        }),
      ),
    ),
  );
  const el = h(
    'vscode-table',
    {
      className: options.className,
      data: options.testId ? { testid: options.testId } : undefined,
      attrs: { 'zebra': true, 'bordered-rows': true, 'aria-label': options.label },
    },
    header,
    body,
  );
  el.columns = options.columns.map((c) => c.width);
  return el;
}
