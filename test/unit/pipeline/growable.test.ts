import { growColumn, inPlaceFrom, reservedEntries } from '../../../src/pipeline/spool/growable';

describe('columns that grow in place', () => {
  test('When a small column grows, then it is a new array with its entries and zeros after them', () => {
    const column = Float64Array.of(1, 2, 3);
    const grown = growColumn(column, Float64Array, 8);

    expect(grown).not.toBe(column);
    expect([...grown]).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
  });

  test('When a column reaches the size where copies cost, then from there it grows in place: the same array, its entries kept, zeros after them', () => {
    let column = new Int32Array(16).fill(7);
    column = growColumn(column, Int32Array, inPlaceFrom);
    column[inPlaceFrom - 1] = 9;
    const large = column;

    for (const length of [2 * inPlaceFrom, 16 * inPlaceFrom, 64 * inPlaceFrom]) {
      column = growColumn(column, Int32Array, length);
      // Identity and length as plain values: a failure message would otherwise print millions of entries.
      expect(column === large).toBe(true);
      expect(column.length).toBe(length);
    }
    expect([column[0], column[15], column[16], column[inPlaceFrom - 1], column[inPlaceFrom], column[64 * inPlaceFrom - 1]]).toEqual([7, 7, 0, 9, 0, 0]);
  });

  test('When a column outgrows the address space it reserved, then it moves once into a larger reservation, its entries kept', () => {
    let column = growColumn(growColumn(new Uint8Array(0), Uint8Array, inPlaceFrom), Uint8Array, reservedEntries);
    column[0] = 1;
    column[reservedEntries - 1] = 2;
    const reserved = column;

    column = growColumn(column, Uint8Array, reservedEntries + 1);
    expect(column === reserved).toBe(false);
    expect([column[0], column[reservedEntries - 1], column[reservedEntries]]).toEqual([1, 2, 0]);
    // …and from there it grows in place again.
    expect(growColumn(column, Uint8Array, 2 * reservedEntries) === column).toBe(true);
  });

  test('When asked for no more room than a column has, then it is left as it is', () => {
    const column = growColumn(new Float64Array(0), Float64Array, inPlaceFrom);
    column[1] = 5;
    expect(growColumn(column, Float64Array, 10) === column).toBe(true);
    expect(column.length).toBe(inPlaceFrom);
    expect(column[1]).toBe(5);
  });
});
