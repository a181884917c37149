/** A minimal growable binary writer and its reader, for checkpoints (little-endian). */
import { ChurnError } from "../../core/errors.js";

export class BinaryWriter {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #pos = 0;

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + bytes));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  u8(value: number): void {
    this.#ensure(1);
    this.#buf.writeUInt8(value, this.#pos);
    this.#pos += 1;
  }

  u32(value: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32LE(value >>> 0, this.#pos);
    this.#pos += 4;
  }

  f64(value: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(value, this.#pos);
    this.#pos += 8;
  }

  str(value: string): void {
    const bytes = Buffer.byteLength(value, "utf8");
    this.u32(bytes);
    this.#ensure(bytes);
    this.#buf.write(value, this.#pos, "utf8");
    this.#pos += bytes;
  }

  bytes(view: ArrayBufferView): void {
    this.#ensure(view.byteLength);
    Buffer.from(view.buffer, view.byteOffset, view.byteLength).copy(this.#buf, this.#pos);
    this.#pos += view.byteLength;
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }
}

export class BinaryReader {
  #pos = 0;

  constructor(private readonly buf: Buffer) {}

  #need(bytes: number): void {
    if (this.#pos + bytes > this.buf.length) {
      throw new ChurnError(
        "CHURN_PROC_CHECKPOINT_INVALID",
        `checkpoint is truncated (needs ${this.#pos + bytes} bytes, has ${this.buf.length}): delete the blob to rebuild the partition from the log`,
      );
    }
  }

  get done(): boolean {
    return this.#pos === this.buf.length;
  }

  u8(): number {
    this.#need(1);
    const v = this.buf.readUInt8(this.#pos);
    this.#pos += 1;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return v;
  }

  str(): string {
    const length = this.u32();
    this.#need(length);
    const v = this.buf.toString("utf8", this.#pos, this.#pos + length);
    this.#pos += length;
    return v;
  }

  /** Fills `target` with its byte length of data. */
  into<T extends Uint16Array | Uint32Array>(target: T): T {
    this.#need(target.byteLength);
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(
      this.buf.subarray(this.#pos, this.#pos + target.byteLength),
    );
    this.#pos += target.byteLength;
    return target;
  }
}
