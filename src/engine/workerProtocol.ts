import type { BuiltTable, IndexOptions, IndexProgress } from './build';

/** Messages to the indexing worker. */
export type ToWorker =
  | { type: 'build'; id: number; path: string; options: IndexOptions; takenNames: string[] }
  | { type: 'cancel'; id: number };

/** Messages from the indexing worker. */
export type FromWorker =
  | { type: 'progress'; id: number; progress: IndexProgress }
  | { type: 'built'; id: number; result: BuiltTable }
  | { type: 'error'; id: number; code: string; message: string };
