/**
 * Many literals searched in one pass over a text (Aho–Corasick): `find(text)`
 * gives the index of every literal the text contains, in time linear in the
 * text, however many literals there are. ASCII characters the literals use
 * go through a table of transitions (failure links folded in); other
 * characters (rare in rules) through each state's map and its failure links.
 */
export class LiteralMatcher {
  /** ASCII code → its class (0: a character no literal has) */
  private readonly cls = new Uint8Array(128);
  private readonly width: number;
  private readonly delta: Int32Array;
  private readonly fail: Int32Array;
  /** transitions on other characters, per state */
  private readonly wide: (Map<number, number> | undefined)[] = [];
  private readonly wideChars = new Set<number>();
  /** literals ending at each state (its own and those of its suffix states) */
  private readonly out: (number[] | undefined)[];

  constructor(literals: readonly string[]) {
    let classes = 1;
    for (const l of literals)
      for (let i = 0; i < l.length; i++) {
        const c = l.charCodeAt(i);
        if (c >= 128) this.wideChars.add(c);
        else if (this.cls[c] === 0) this.cls[c] = classes++;
      }
    this.width = classes;
    // the trie: ASCII transitions in `delta` (`isChild` marks those of the trie), others in `wide`
    const bound = 1 + literals.reduce((n, l) => n + l.length, 0);
    const delta = new Int32Array(bound * classes);
    const isChild = new Uint8Array(bound * classes);
    const own: (number[] | undefined)[] = [undefined];
    let states = 1;
    const step = (s: number, c: number): number => {
      if (c >= 128) {
        const m = (this.wide[s] ??= new Map());
        let t = m.get(c);
        if (t === undefined) m.set(c, (t = states++));
        return t;
      }
      const k = s * classes + this.cls[c];
      if (!isChild[k]) {
        isChild[k] = 1;
        delta[k] = states++;
      }
      return delta[k];
    };
    literals.forEach((l, id) => {
      let s = 0;
      for (let i = 0; i < l.length; i++) s = step(s, l.charCodeAt(i));
      (own[s] ??= []).push(id);
    });
    const fail = new Int32Array(states);
    this.out = Array.from({ length: states }, (_, s) => own[s]);
    // breadth first: a state's failure link is known before its children's
    const queue: number[] = [];
    const child = (s: number, c: number, t: number, q: number[]) => {
      // the longest proper suffix of t's text that is a trie state
      fail[t] = s === 0 ? 0 : this.next(fail[s], c, delta, fail);
      const inherited = this.out[fail[t]];
      if (inherited) this.out[t] = [...(this.out[t] ?? []), ...inherited];
      q.push(t);
    };
    for (let c = 1; c < classes; c++) if (delta[c]) child(0, -c, delta[c], queue);
    for (const [c, t] of this.wide[0] ?? []) child(0, c, t, queue);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      for (let c = 1; c < classes; c++) {
        const t = delta[s * classes + c];
        if (isChild[s * classes + c]) child(s, -c, t, queue);
        else delta[s * classes + c] = delta[fail[s] * classes + c];
      }
      for (const [c, t] of this.wide[s] ?? []) child(s, c, t, queue);
    }
    this.delta = states < bound ? delta.slice(0, states * classes) : delta;
    this.fail = fail;
  }

  /** The state after `c` from `s`: an ASCII class given as -class, another character as its code. */
  private next(s: number, c: number, delta: Int32Array, fail: Int32Array): number {
    if (c < 0) return delta[s * this.width - c];
    for (;;) {
      const t = this.wide[s]?.get(c);
      if (t !== undefined) return t;
      if (s === 0) return 0;
      s = fail[s];
    }
  }

  /** Indexes of the literals the text contains (each once), or undefined when none. */
  find(text: string): number[] | undefined {
    const { cls, delta, width, out, fail, wideChars } = this;
    let s = 0;
    let hits: number[] | undefined;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) s = delta[s * width + cls[c]];
      else s = wideChars.has(c) ? this.next(s, c, delta, fail) : 0;
      const o = out[s];
      if (o) {
        if (!hits) hits = o.slice();
        else for (const id of o) if (!hits.includes(id)) hits.push(id);
      }
    }
    return hits;
  }
}
