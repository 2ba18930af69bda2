/**
 * Selection and keyboard navigation of the results grid, kept apart from drawing: an active cell
 * (row, column), a set of selected rows with an anchor for Shift ranges, and what each key does.
 */
export interface GridState {
  rows: number;
  columns: number;
  active: { row: number; col: number };
  selected: Set<number>;
  anchor: number;
}

export function newGridState(rows: number, columns: number): GridState {
  return { rows, columns, active: { row: 0, col: 0 }, selected: new Set(), anchor: 0 };
}

/** A click on a row: plain selects it alone, Shift extends from the anchor, Ctrl/Cmd toggles it. */
export function clickRow(s: GridState, row: number, col: number, shift: boolean, toggle: boolean): void {
  s.active = { row, col };
  if (shift) selectRange(s, s.anchor, row);
  else if (toggle) {
    if (s.selected.has(row)) s.selected.delete(row);
    else s.selected.add(row);
    s.anchor = row;
  } else {
    s.selected = new Set([row]);
    s.anchor = row;
  }
}

function selectRange(s: GridState, a: number, b: number): void {
  s.selected = new Set();
  for (let r = Math.min(a, b); r <= Math.max(a, b); r++) s.selected.add(r);
}

export type KeyEffect = 'moved' | 'copy' | 'open' | 'find' | 'none';

/** Applies a key to the state; returns what the view must do next. `page` is the rows per screen. */
export function pressKey(s: GridState, key: string, mods: { shift: boolean; ctrl: boolean }, page: number): KeyEffect {
  if (mods.ctrl && (key === 'c' || key === 'C')) return 'copy';
  if (mods.ctrl && (key === 'f' || key === 'F')) return 'find';
  if (mods.ctrl && (key === 'a' || key === 'A')) {
    selectRange(s, 0, s.rows - 1);
    return 'moved';
  }
  if (s.rows === 0) return 'none';
  const last = s.rows - 1;
  let row = s.active.row;
  let col = s.active.col;
  switch (key) {
    case 'ArrowDown': row = Math.min(last, row + 1); break;
    case 'ArrowUp': row = Math.max(0, row - 1); break;
    case 'ArrowRight': col = Math.min(s.columns - 1, col + 1); break;
    case 'ArrowLeft': col = Math.max(0, col - 1); break;
    case 'PageDown': row = Math.min(last, row + page); break;
    case 'PageUp': row = Math.max(0, row - page); break;
    case 'Home': if (mods.ctrl) row = 0; else col = 0; break;
    case 'End': if (mods.ctrl) row = last; else col = s.columns - 1; break;
    case ' ':
      if (s.selected.has(row)) s.selected.delete(row);
      else s.selected.add(row);
      s.anchor = row;
      return 'moved';
    case 'Enter': return 'open';
    case 'Escape': s.selected.clear(); return 'moved';
    default: return 'none';
  }
  const rowMoved = row !== s.active.row;
  s.active = { row, col };
  if (rowMoved && mods.shift) selectRange(s, s.anchor, row);
  else if (rowMoved) s.anchor = row;
  return 'moved';
}
