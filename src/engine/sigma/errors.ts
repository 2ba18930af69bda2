/**
 * A Sigma feature the compiler does not translate, with the feature's name
 * (for the compile report's tally) and a sentence for the user.
 */
export class SigmaUnsupported extends Error {
  constructor(
    /** e.g. `modifier expand`, `aggregation`, `condition`, `regex` */
    readonly feature: string,
    message: string,
  ) {
    super(message);
    this.name = 'SigmaUnsupported';
  }
}
