/** A typed array type a column is made of. */
export interface ColumnType<T extends Float64Array | Int32Array | Uint8Array> {
  new (buffer: ArrayBuffer): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** From this many entries a column grows in place (below it, a copy costs microseconds). */
export const inPlaceFrom = 65_536;
/** Entries a column that grows in place reserves address space for (16,777,216: 128 MiB of a `Float64Array`, none of it memory until used). */
export const reservedEntries = 2 ** 24;

/**
 * `column` with room for `length` entries (no fewer than it has), entries past its old length 0. A
 * large column lives in a resizable `ArrayBuffer` that reserved address space for `reservedEntries`:
 * it grows in place, the same array, in microseconds, where a copy into a doubled array takes tens of
 * milliseconds a column at a million entries (the kernel's zeroed pages are faulted in as they are
 * first written, spread over the inserts that use them). Past the reservation it moves once more, into
 * one reserving four times its length.
 */
export function growColumn<T extends Float64Array | Int32Array | Uint8Array>(column: T, type: ColumnType<T>, length: number): T {
  const bytes = length * type.BYTES_PER_ELEMENT;
  const buffer = column.buffer as ArrayBuffer;
  if (buffer.resizable && bytes <= buffer.maxByteLength) {
    if (bytes > buffer.byteLength) buffer.resize(bytes);
    return column;
  }
  const next = length < inPlaceFrom ? new type(length) : new type(new ArrayBuffer(bytes, { maxByteLength: Math.max(reservedEntries, 4 * length) * type.BYTES_PER_ELEMENT }));
  next.set(column.subarray(0, Math.min(column.length, length)));
  return next;
}
