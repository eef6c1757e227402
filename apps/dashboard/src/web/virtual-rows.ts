import { h, replace } from './dom.js';

/** Rows of a table drawn only while near the viewport. */
export interface RowSource {
  /** Rows in all. */
  total: number;
  /** Row `k` (in display order), or undefined while it is not loaded. */
  row(k: number): HTMLTableRowElement | undefined;
  /** Asks for rows `from` to `to` (exclusive); `redraw` is called when some arrive. */
  want(from: number, to: number): void;
}

/** Height of the scrolled box, pixels. */
const VIEWPORT_PX = 520;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 15;

/**
 * A tbody that holds only the rows in view (plus a margin) between two spacer rows whose heights
 * stand for the rest, inside a box of fixed height that scrolls: a 20,000-row table costs the
 * page what 50 rows do. Row height is measured from the first row drawn.
 */
export class VirtualRows {
  readonly box = h('div', { class: 'table-wrap virtual' });
  private rowPx = 29;
  private frame = 0;
  private source: RowSource | null = null;
  private body: HTMLTableSectionElement | null = null;

  constructor() {
    // Through the CSSOM, never a style attribute: the API's CSP allows no inline styles to be relied on.
    this.box.style.maxHeight = `${VIEWPORT_PX}px`;
    this.box.addEventListener('scroll', () => this.schedule(), { passive: true });
  }

  /** Draws `table` (its thead set, its tbody filled from `source`) and keeps it filled while scrolling. */
  show(table: HTMLTableElement, source: RowSource): void {
    this.source = source;
    this.body = h('tbody', {});
    table.append(this.body);
    if (table.parentElement !== this.box) replace(this.box, table);
    this.draw();
  }

  /** Redraws the rows in view (new data arrived). */
  redraw(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { source, body } = this;
    if (!source || !body) return;
    const head = this.box.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    const top = Math.max(0, this.box.scrollTop - head);
    const first = Math.max(0, Math.floor(top / this.rowPx) - OVERSCAN);
    const last = Math.min(source.total, Math.ceil((top + VIEWPORT_PX) / this.rowPx) + OVERSCAN);
    source.want(first, last);
    const rows: HTMLTableRowElement[] = [];
    for (let k = first; k < last; k++) {
      const tr = source.row(k) ?? h('tr', { class: 'pending' }, h('td', { colspan: 99 }, '…'));
      tr.dataset.row = String(k);
      rows.push(tr);
    }
    const spacer = (rowsOf: number) => {
      const tr = h('tr', { class: 'spacer', 'aria-hidden': 'true' });
      tr.style.height = `${rowsOf * this.rowPx}px`;
      return tr;
    };
    body.replaceChildren(spacer(first), ...rows, spacer(source.total - last));
    const measured = rows.find((r) => !r.classList.contains('pending'))?.getBoundingClientRect().height;
    if (measured && Math.abs(measured - this.rowPx) > 0.01) {
      this.rowPx = measured;
      this.schedule();
    }
  }
}
