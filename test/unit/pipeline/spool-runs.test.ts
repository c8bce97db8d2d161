import { runsOf } from '../../../src/pipeline/spool/runs';

describe('runsOf', () => {
  test.each([
    [[], []],
    [[7], [[7, 7]]],
    [[1, 2, 3], [[1, 3]]],
    [[1, 2, 4, 5, 7], [[1, 2], [4, 5], [7, 7]]],
    [[1, 1, 2], [[1, 1], [1, 2]]],
  ])('When the seqs are %j, then the runs are %j', (seqs, runs) => {
    expect(runsOf(seqs)).toEqual(runs);
  });
});
