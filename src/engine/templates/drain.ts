/**
 * Message templates mined in one streaming pass, after Drain (He, Zhu,
 * Zheng, Lyu: "Drain: An Online Log Parsing Approach with Fixed Depth Tree",
 * ICWS 2017). A message is split into tokens and its variable parts masked
 * (mask.ts); the tree's first level is the token count, the next levels the
 * first tokens (a masked token, or one past the fan-out limit, goes under
 * `<*>`), and each leaf holds templates. A message joins the leaf's most
 * similar template (share of positions equal to a constant token of it) when
 * that share reaches the threshold, and the positions where they differ
 * become `<*>`; otherwise it starts a template of its own. A message's id
 * never changes once given (templates are never merged), so ids can be
 * written while the file is read.
 */
import { maskStamps, maskToken, tokenize, WILDCARD } from './mask';

export interface DrainOptions {
  /** Levels of the tree including the root and the length level (Drain's depth; 4 = two token levels). */
  depth?: number;
  /** Least share of equal tokens for a message to join a template (0..1). */
  similarity?: number;
  /** Children per tree node before new tokens share the `<*>` child. */
  maxChildren?: number;
  /** Templates kept at most; past this, messages that match none get no template. */
  maxTemplates?: number;
  /**
   * Templates a leaf compares a message with at most: a new one pushes out
   * the one matched longest ago (it keeps its id and rows; later messages like
   * it start a new template). Keeps a log of all-different messages linear.
   */
  maxLeafTemplates?: number;
  /** Tokens of a message looked at; longer messages are cut (their tail forms one token). */
  maxTokens?: number;
  /**
   * Distinct values an attribute (`user=root`) may take at one place of a
   * template before it is a variable: up to this many, each value names an
   * event of its own (`state=RUNNING`, `state=FAILED`); one more, and they
   * all merge into one template with `user=<*>`.
   */
  attributeValues?: number;
}

export interface Template {
  id: number;
  /** The template's tokens joined by single spaces, variables as `<*>`. */
  template: string;
  count: number;
  firstLine: number;
  lastLine: number;
}

/** What a template's or message's token is, position by position. */
const enum Kind {
  Word = 0,
  /** `<*>` */
  Wild = 1,
  /** a token that holds a variable: `(uid=<*>)`, `<*>:`; its constant part is structure */
  Part = 2,
  /** a bracketed tag: `[preauth]` */
  Tag = 3,
  /** an attribute with a word value: `user=root` */
  Attr = 4,
  /** an attribute whose value became a variable: `user=<*>` (templates only) */
  AttrWild = 5,
}

const ATTRIBUTE_RE = /^[A-Za-z_][\w.-]*=[A-Za-z_][A-Za-z_-]*[,;]?$/;

function kindOf(t: string): Kind {
  if (t === WILDCARD) return Kind.Wild;
  if (t.includes(WILDCARD)) return Kind.Part;
  const n = t.length;
  if (n > 2 && t.charCodeAt(0) === 91 && t.charCodeAt(n - 1) === 93) return Kind.Tag;
  const eq = t.indexOf('=');
  return eq > 0 && eq < n - 1 && ATTRIBUTE_RE.test(t) ? Kind.Attr : Kind.Word;
}

const attrKey = (t: string) => t.slice(0, t.indexOf('=') + 1);
const HAS_DIGIT_RE = /\d/;

interface Cluster {
  id: number;
  tokens: string[];
  kinds: Uint8Array;
  count: number;
  firstLine: number;
  lastLine: number;
  /** The first template of the family of templates that differ in one attribute's value only. */
  family: Cluster;
  members: Cluster[] | null;
  mergedInto: Cluster | null;
  leaf: Cluster[];
}

interface TreeNode {
  children: Map<string, TreeNode> | null;
  clusters: Cluster[] | null;
}

const DEFAULTS: Required<DrainOptions> = { depth: 4, similarity: 0.5, maxChildren: 100, maxTemplates: 100_000, maxTokens: 256, attributeValues: 4, maxLeafTemplates: 200 };

interface Match {
  best: Cluster | null;
  /** A template that differs from the message in one attribute's value only, and where. */
  sibling: Cluster | null;
  at: number;
}

export class TemplateMiner {
  private readonly opts: Required<DrainOptions>;
  private readonly byLength = new Map<number, TreeNode>();
  private readonly clusters: Cluster[] = [];
  private merged = 0;
  /** Messages that got no template because maxTemplates was reached. */
  overflow = 0;

  constructor(opts: DrainOptions = {}) {
    this.opts = { ...DEFAULTS, ...opts };
    if (this.opts.depth < 3) this.opts.depth = 3;
  }

  /** Number of templates so far (merged ones not counted). */
  get size(): number {
    return this.clusters.length - this.merged;
  }

  /**
   * Adds one message seen on `line`; returns its template id (1-based), or
   * null for an empty message or when the template limit is reached. An id
   * given earlier may later be merged into another: resolve() and remap() say so.
   */
  add(message: string, line: number): number | null {
    const tokens = this.tokens(message);
    const n = tokens.length;
    if (n === 0) return null;
    const kinds = new Uint8Array(n);
    for (let i = 0; i < n; i++) kinds[i] = kindOf(tokens[i]);
    const leaf = this.leaf(tokens, kinds);
    const m = this.match(leaf, tokens, kinds);
    if (m.best) return this.join(m.best, tokens, line).id;
    if (m.sibling) {
      const fam = m.sibling.family;
      const members = fam.members!.filter((c) => !c.mergedInto);
      if (members.length + 1 > this.opts.attributeValues) return this.join(this.generalize(fam, members, m.at), tokens, line).id;
    }
    if (this.clusters.length >= this.opts.maxTemplates) {
      this.overflow++;
      return null;
    }
    const c: Cluster = { id: this.clusters.length + 1, tokens, kinds, count: 1, firstLine: line, lastLine: line, family: null!, members: null, mergedInto: null, leaf };
    if (m.sibling) {
      c.family = m.sibling.family;
      c.family.members!.push(c);
    } else {
      c.family = c;
      c.members = [c];
    }
    this.clusters.push(c);
    if (leaf.length >= this.opts.maxLeafTemplates) {
      let old = 0;
      for (let k = 1; k < leaf.length; k++) if (leaf[k].lastLine < leaf[old].lastLine) old = k;
      leaf.splice(old, 1);
    }
    leaf.push(c);
    return c.id;
  }

  /** The id a template id given by add() stands for now (itself unless merged). */
  resolve(id: number): number {
    let c = this.clusters[id - 1];
    while (c.mergedInto) c = c.mergedInto;
    return c.id;
  }

  /** Ids given by add() that were merged into another template, with the id they now stand for. */
  remap(): [number, number][] {
    const out: [number, number][] = [];
    for (const c of this.clusters) if (c.mergedInto) out.push([c.id, this.resolve(c.id)]);
    return out;
  }

  /** The templates in id order (merged ones left out; their lines count in the template they joined). */
  templates(): Template[] {
    return this.clusters
      .filter((c) => !c.mergedInto)
      .map((c) => ({ id: c.id, template: c.tokens.join(' '), count: c.count, firstLine: c.firstLine, lastLine: c.lastLine }));
  }

  private tokens(message: string): string[] {
    const raw = tokenize(maskStamps(message));
    const max = this.opts.maxTokens;
    if (raw.length > max) raw.splice(max - 1, raw.length - max + 1, WILDCARD);
    for (let i = 0; i < raw.length; i++) raw[i] = maskToken(raw[i]);
    return raw;
  }

  /** Adds the message to a template: where they differ, the template gets `<*>`. */
  private join(c: Cluster, tokens: string[], line: number): Cluster {
    const t = c.tokens;
    const k = c.kinds;
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== tokens[i] && k[i] !== Kind.Wild && k[i] !== Kind.AttrWild) {
        t[i] = WILDCARD;
        k[i] = Kind.Wild;
      }
    }
    c.count++;
    if (line < c.firstLine) c.firstLine = line;
    if (line > c.lastLine) c.lastLine = line;
    return c;
  }

  /** The family's attribute at `at` became a variable: its templates merge into the first one. */
  private generalize(fam: Cluster, members: Cluster[], at: number): Cluster {
    const keep = members[0];
    keep.tokens[at] = attrKey(keep.tokens[at]) + WILDCARD;
    keep.kinds[at] = Kind.AttrWild;
    for (const other of members.slice(1)) {
      const t = keep.tokens;
      for (let i = 0; i < t.length; i++) {
        if (i !== at && t[i] !== other.tokens[i] && keep.kinds[i] !== Kind.Wild) {
          t[i] = WILDCARD;
          keep.kinds[i] = Kind.Wild;
        }
      }
      keep.count += other.count;
      keep.firstLine = Math.min(keep.firstLine, other.firstLine);
      keep.lastLine = Math.max(keep.lastLine, other.lastLine);
      other.mergedInto = keep;
      this.merged++;
      const li = other.leaf.indexOf(other);
      if (li >= 0) other.leaf.splice(li, 1);
    }
    fam.members = [keep];
    keep.family = keep;
    keep.members = fam.members;
    return keep;
  }

  /** The leaf for these tokens, made on the way down when missing. */
  private leaf(tokens: string[], kinds: Uint8Array): Cluster[] {
    let node = this.byLength.get(tokens.length);
    if (!node) {
      node = { children: null, clusters: null };
      this.byLength.set(tokens.length, node);
    }
    const levels = Math.min(this.opts.depth - 2, tokens.length);
    for (let d = 0; d < levels; d++) {
      const kd = kinds[d];
      // as in Drain, a token with a digit in it goes under `<*>` (dn228, ssh2: names that vary by number)
      const key = kd === Kind.Wild || kd === Kind.Part || HAS_DIGIT_RE.test(tokens[d]) ? WILDCARD : kd === Kind.Attr ? attrKey(tokens[d]) : tokens[d];
      if (!node.children) node.children = new Map();
      let next = node.children.get(key);
      if (!next) {
        if (key !== WILDCARD && node.children.size >= this.opts.maxChildren - 1) {
          next = node.children.get(WILDCARD);
          if (!next) {
            next = { children: null, clusters: null };
            node.children.set(WILDCARD, next);
          }
        } else {
          next = { children: null, clusters: null };
          node.children.set(key, next);
        }
      }
      node = next;
    }
    if (!node.clusters) node.clusters = [];
    return node.clusters;
  }

  private match(clusters: Cluster[], tokens: string[], kinds: Uint8Array): Match {
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestParams = -1;
    let sibling: Cluster | null = null;
    let siblingSim = -1;
    let siblingAt = -1;
    const n = tokens.length;
    const st = this.opts.similarity;
    for (let k = 0; k < clusters.length; k++) {
      const c = clusters[k];
      const t = c.tokens;
      const tk = c.kinds;
      let same = 0;
      let params = 0;
      let attrAt = -1;
      let clash = false;
      for (let i = 0; i < n; i++) {
        const a = tk[i];
        if (a === Kind.Wild) {
          params++;
          continue;
        }
        const x = t[i];
        const y = tokens[i];
        if (x === y) {
          same++;
          continue;
        }
        const b = kinds[i];
        if (a === Kind.AttrWild && (b === Kind.Attr || b === Kind.Part) && y.startsWith(attrKey(x))) {
          params++;
          continue;
        }
        if (a === Kind.Attr && b === Kind.Attr && attrAt < 0 && attrKey(x) === attrKey(y)) {
          attrAt = i;
          continue;
        }
        if (a >= Kind.Tag || b >= Kind.Tag || (a === Kind.Part && b === Kind.Part)) {
          clash = true;
          break;
        }
      }
      if (clash) continue;
      if (attrAt >= 0) {
        const sim = (same + 1) / n;
        if (sim >= st && sim > siblingSim) {
          sibling = c;
          siblingSim = sim;
          siblingAt = attrAt;
        }
        continue;
      }
      const sim = same / n;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return { best: best && bestSim >= st ? best : null, sibling, at: siblingAt };
  }
}
