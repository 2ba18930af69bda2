import type { IndexOptions, IndexProgress, TableInfo } from './ingest/build';
import type { QueryResult, SqlValue } from './store/database';
import type { IndexOutcome } from './engine';
import type { Role } from './ingest/roles';
import type { ClickHouseOptions } from './store/clickhouse/http';
import type { AnalysisOutput, AnalysisRun, AnalysisStep } from './findings/model';

export type { AnalysisRun } from './findings/model';

/** Requests to the engine worker; each has an id and gets exactly one reply. */
export type EngineRequest =
  | { type: 'index'; id: number; files: string[]; options: IndexOptions }
  | { type: 'query'; id: number; sql: string; params: SqlValue[]; maxRows?: number }
  | { type: 'tables'; id: number }
  | { type: 'remove'; id: number; table: string }
  | { type: 'setRole'; id: number; table: string; column: string; role: Role | null }
  | { type: 'export'; id: number }
  /** `cancel` is a one-int SharedArrayBuffer the caller sets to 1 to stop the run: the worker is busy while analyses run, so a message could not reach it. */
  | { type: 'analyze'; id: number; analysis: string; params: Record<string, string>; tables?: string[]; cancel?: SharedArrayBuffer }
  | { type: 'report'; id: number; outputs: AnalysisOutput[]; title: string; chartsDir: string; chartsLink: string }
  | { type: 'cancel'; id: number; target: number }
  /** Which store the worker holds, in words (it fails with the store's error when ClickHouse could not be reached). */
  | { type: 'where'; id: number };

/** What the worker hosts: the embedded sql.js database, or (workerData.clickhouse) a ClickHouse store. */
export interface EngineWorkerData {
  clickhouse?: { options: ClickHouseOptions; create: boolean; connectTimeoutMs: number };
}

/** The value each request resolves to. */
export interface EngineReplies {
  index: IndexOutcome[];
  query: QueryResult;
  tables: TableInfo[];
  remove: null;
  setRole: TableInfo;
  export: Uint8Array;
  analyze: AnalysisRun;
  report: string;
  cancel: null;
  where: { kind: 'sqljs' | 'clickhouse'; where: string };
}

export type EngineMessage =
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'progress'; id: number; progress: IndexProgress }
  /** An analysis–table pair of a run is starting. */
  | { type: 'step'; id: number; step: AnalysisStep };
