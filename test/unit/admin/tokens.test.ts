import { createHash } from 'node:crypto';
import { mayAct, parseOperatorTokens, verifyToken } from '../../../src/admin/tokens';

const sha = (token: string) => createHash('sha256').update(token).digest('hex');

describe('operator tokens', () => {
  test('When ADMIN_TOKENS lists entries by comma or line, then each token is found by its digest and gets its role', () => {
    const tokens = parseOperatorTokens(`alice:viewer:sha256:${sha('t-alice')}, bob:operator:sha256:${sha('t-bob')}\n# a comment\n`);

    expect(verifyToken(tokens, 't-alice')).toMatchObject({ name: 'alice', role: 'viewer' });
    expect(verifyToken(tokens, 't-bob')).toMatchObject({ name: 'bob', role: 'operator' });
    expect(verifyToken(tokens, 't-bob ')).toBeUndefined();
    expect(verifyToken(tokens, sha('t-bob'))).toBeUndefined();
  });

  test('When an entry is malformed or a name repeats, then parsing fails naming the entry by position, never echoing it', () => {
    const pasted = 'a-raw-token-pasted-by-mistake';

    expect(() => parseOperatorTokens(pasted)).toThrow(/^entry 1 is not name:role:sha256/);
    expect(() => parseOperatorTokens(pasted)).not.toThrow(new RegExp(pasted));
    expect(() => parseOperatorTokens(`a:admin:sha256:${sha('x')}`)).toThrow(/entry 1/);
    expect(() => parseOperatorTokens(`a:viewer:sha256:${sha('x')},a:operator:sha256:${sha('y')}`)).toThrow(/two entries are named a/);
  });

  test('When roles are compared, then a viewer may only read and an operator may do both', () => {
    expect([mayAct('viewer', 'viewer'), mayAct('viewer', 'operator'), mayAct('operator', 'viewer'), mayAct('operator', 'operator')]).toEqual([true, false, true, true]);
  });
});
