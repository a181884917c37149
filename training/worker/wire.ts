/**
 * What crosses the thread boundary of the training worker: the TrainingTable in a form that
 * structured clone copies cheaply (typed arrays; the string columns dictionary-encoded), the
 * worker's reply, and errors, which structured clone would strip of their class and `code`.
 */
import { ChurnError, type ErrorCode, ErrorCodes } from "../../core/errors.js";
import type { Candidate } from "../candidate.js";
import type { TrainingTable } from "../dataset.js";
import type { TrainingOptions } from "../options.js";

/** A string column as distinct values and one index per row. */
export interface EncodedColumn {
  readonly values: string[];
  readonly codes: Uint32Array;
}

/** A TrainingTable as sent to the worker. */
export interface EncodedTable {
  readonly features: string[];
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly day: Int32Array;
  readonly oracle: Float64Array | null;
  readonly horizonDays: number;
  readonly customer: EncodedColumn;
  readonly plan: EncodedColumn;
  readonly country: EncodedColumn;
}

/** The worker's input (its `workerData`). */
export interface TrainRequest {
  readonly table: EncodedTable;
  readonly options: TrainingOptions;
}

/** An error as plain data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Set for a ChurnError. */
  readonly code?: string;
  readonly retryable?: boolean;
  readonly details?: Record<string, unknown>;
}

/** The worker's one message. */
export type TrainReply = { ok: true; candidate: Candidate } | { ok: false; error: WireError };

function encodeColumn(column: readonly string[]): EncodedColumn {
  const index = new Map<string, number>();
  const values: string[] = [];
  const codes = new Uint32Array(column.length);
  column.forEach((value, row) => {
    let code = index.get(value);
    if (code === undefined) {
      code = values.length;
      index.set(value, code);
      values.push(value);
    }
    codes[row] = code;
  });
  return { values, codes };
}

function decodeColumn(column: EncodedColumn): string[] {
  return Array.from(column.codes, (code) => column.values[code]!);
}

/**
 * Encodes `table` for the worker. The string columns become new typed arrays, listed in
 * `transfer` (moved, not copied); the numeric arrays stay the caller's and are copied.
 */
export function encodeTable(table: TrainingTable): { table: EncodedTable; transfer: ArrayBuffer[] } {
  const encoded: EncodedTable = {
    features: [...table.features],
    n: table.n,
    x: table.x,
    y: table.y,
    day: table.day,
    oracle: table.oracle,
    horizonDays: table.horizonDays,
    customer: encodeColumn(table.customer),
    plan: encodeColumn(table.plan),
    country: encodeColumn(table.country),
  };
  const transfer = [encoded.customer, encoded.plan, encoded.country].map(
    (c) => c.codes.buffer as ArrayBuffer,
  );
  return { table: encoded, transfer };
}

/** The TrainingTable back from {@link encodeTable}'s output. */
export function decodeTable(table: EncodedTable): TrainingTable {
  return {
    ...table,
    customer: decodeColumn(table.customer),
    plan: decodeColumn(table.plan),
    country: decodeColumn(table.country),
  };
}

/**
 * Every distinct ArrayBuffer under `value` (the buffers of its typed arrays), to transfer
 * rather than copy a reply whose arrays the sender no longer needs.
 */
export function buffersOf(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) buffersOf(item, found);
  }
  return [...found];
}

/** `error` as plain data (a ChurnError keeps its code, retryable and details). */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const base = { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  if (!(error instanceof ChurnError)) return base;
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(JSON.stringify(error.details)) as Record<string, unknown>;
  } catch {
    // Details are for logs: a value JSON cannot carry is dropped, never the error.
  }
  return { ...base, code: error.code, retryable: error.retryable, details };
}

/** The error that {@link toWireError} described: a ChurnError again when it was one. */
export function fromWireError(wire: WireError): Error {
  const error =
    wire.code !== undefined && wire.code in ErrorCodes
      ? new ChurnError(wire.code as ErrorCode, wire.message, {
          retryable: wire.retryable ?? false,
          details: wire.details ?? {},
        })
      : Object.assign(new Error(wire.message), { name: wire.name });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
