/**
 * The YAML documents of a Sigma rule file, each with its value, its text
 * range, its first line and the lines of its detection keys.
 *
 * Fast path: `js-yaml` (the `yaml` package's Document model took most of the
 * time of reading the 3,141 SigmaHQ rules), with key lines from its
 * `listener`: a node whose text is followed by `:` is a mapping key, and
 * every node knows the path of keys above it. Slow path, only for a file
 * js-yaml rejects or one with anchors (whose aliases `yaml` bounds): the
 * `yaml` package, which reports each document's errors on their own line
 * and still reads the file's other documents.
 */
import { CORE_SCHEMA, loadAll, type State } from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

export interface YamlDoc {
  /** The document as plain values (maps, lists, scalars); null for an empty one. */
  value: unknown;
  /** Offsets of the document's text: from its `---` (or its first content) to the next `---`. */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** Lines (1-based) of the detection's keys: `selection` and `selection.Image|endswith`. */
  keyLines: Map<string, number>;
  /** The first YAML error of the document (then `value` is undefined). */
  error?: { line: number; message: string };
}

/** The documents of a YAML text; throws only when no document can be told apart. */
export function readYamlDocs(text: string): YamlDoc[] {
  return fastDocs(text) ?? slowDocs(text);
}

const lineAt = (pos: number, starts: number[]): number => {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
};

interface Frame {
  path: string[];
  key?: string;
}

/** js-yaml with positions from its listener; undefined when the slow path must decide. */
function fastDocs(text: string): YamlDoc[] | undefined {
  const values: unknown[] = [];
  const roots: { open: number; close: number; keys: Map<string, number> }[] = [];
  const stack: Frame[] = [];
  let anchored = false;
  let keys = new Map<string, number>();
  const listener = (event: 'open' | 'close', state: State) => {
    const s = state as State & { depth: number; anchor: string | null; line: number };
    if (event === 'open') {
      if (s.depth === 1) {
        keys = new Map();
        roots.push({ open: s.position, close: s.position, keys });
        stack.length = 0;
        stack.push({ path: [] });
        return;
      }
      const parent = stack[stack.length - 1];
      stack.push({ path: parent.key === undefined ? parent.path : [...parent.path, parent.key] });
      return;
    }
    if (s.anchor !== null) anchored = true;
    if (s.depth === 1) {
      roots[roots.length - 1].close = s.position;
      return;
    }
    const frame = stack.pop()!;
    let p = s.position;
    while (text[p] === ' ' || text[p] === '\t') p++;
    // `? key` then `: value` on a line of its own
    if (text[p] === '\n' || text[p] === '\r') while (/\s/.test(text[p] ?? '')) p++;
    if (text[p] !== ':' || frame.key !== undefined) return;
    const parent = stack[stack.length - 1];
    const key = s.result === null || s.result === undefined ? '' : String(s.result);
    parent.key = key;
    const path = parent.path;
    if (path[0] !== 'detection' || path.length > 2) return;
    const name = path.length === 1 ? key : `${path[1]}.${key}`;
    if (!keys.has(name)) keys.set(name, s.line + 1);
  };
  try {
    loadAll(text, (d) => values.push(d), { schema: CORE_SCHEMA, json: true, listener });
  } catch {
    return undefined;
  }
  if (anchored || values.length !== roots.length) return undefined;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const docs: YamlDoc[] = [];
  for (let i = 0; i < roots.length; i++) {
    const lowest = i === 0 ? 0 : roots[i - 1].close;
    let start = roots[i].open;
    // the document's `---` marker, when it has one between the previous document and its content
    for (let l = lineAt(roots[i].open, starts) - 1; l >= 0 && starts[l] >= lowest; l--) {
      if (/^---(?:[ \t\r\n]|$)/.test(text.slice(starts[l], starts[l] + 4))) {
        start = starts[l];
        break;
      }
    }
    // it ends where the next `---` starts
    let end = text.length;
    for (let l = lineAt(roots[i].close, starts) - 1; l < starts.length; l++) {
      if (starts[l] >= roots[i].close && /^---(?:[ \t\r\n]|$)/.test(text.slice(starts[l], starts[l] + 4))) {
        end = starts[l];
        break;
      }
    }
    docs.push({ value: values[i], start, end, line: lineAt(start, starts), keyLines: roots[i].keys });
  }
  return docs;
}

/** The `yaml` package's reading: each document's own errors, the other documents still read. */
function slowDocs(text: string): YamlDoc[] {
  const lc = new LineCounter();
  let docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }) as Document.Parsed[] | Document.Parsed;
  if (!Array.isArray(docs)) docs = [docs];
  return docs.map((doc) => {
    const start = doc.range?.[0] ?? 0;
    const end = doc.range?.[2] ?? text.length;
    const line = lc.linePos(start).line;
    if (doc.errors.length) {
      const e = doc.errors[0];
      return { value: undefined, start, end, line, keyLines: new Map(), error: { line: e.linePos?.[0].line ?? line, message: e.message.split('\n')[0] } };
    }
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, start, end, line, keyLines: detectionKeyLines(doc, lc) };
  });
}

/** Lines of the detection's keys: `selection` and `selection.Image|endswith`. */
function detectionKeyLines(doc: Document.Parsed, lc: LineCounter): Map<string, number> {
  const out = new Map<string, number>();
  const det = doc.get('detection', true) as Node | undefined;
  const lineOf = (n: Node | undefined | null) => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  const walk = (n: unknown, prefix: string) => {
    if (isMap(n)) {
      for (const p of n.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        const l = lineOf(p.key as Node);
        const name = prefix ? `${prefix}.${k}` : k;
        if (l !== undefined && !out.has(name)) out.set(name, l);
        if (!prefix) walk(p.value, k);
      }
    } else if (isSeq(n)) for (const it of n.items) if (isMap(it)) walk(it, prefix);
  };
  walk(det, '');
  return out;
}
