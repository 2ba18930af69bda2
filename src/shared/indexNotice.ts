/**
 * The one-line notice shown after a file is indexed with rejected lines or warnings, and the
 * buttons it offers. Only rejected lines offer "Show Rejected Lines"; a file read completely but
 * with warnings (an encoding guessed, values kept as text) says so without a count of nothing.
 */

export type IndexNoticeAction = 'Show Rejected Lines' | 'Change Format…' | 'Show Log';

export interface IndexNotice {
  text: string;
  actions: IndexNoticeAction[];
}

/** The notice for table output `t` of file `name`, or undefined when there is nothing to say. */
export function indexNotice(name: string, t: { rejected: number; warnings: string[]; format: string }): IndexNotice | undefined {
  const more = t.warnings.length > 1 ? ` (${(t.warnings.length - 1).toLocaleString('en-US')} more in the log)` : '';
  if (t.rejected > 0) {
    const first = t.warnings.length ? ` ${t.warnings[0]}${more}` : '';
    return {
      text: `${name}: ${t.rejected.toLocaleString('en-US')} line(s) could not be read as ${t.format} and are in the rejects table.${first}`,
      actions: ['Show Rejected Lines', 'Change Format…'],
    };
  }
  if (t.warnings.length) {
    return { text: `${name}: indexed as ${t.format}. ${t.warnings[0]}${more}`, actions: ['Show Log', 'Change Format…'] };
  }
  return undefined;
}
