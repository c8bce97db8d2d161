import { createPeerDirectory, parseStaticPeers } from '../../../../src/admin/console/peers';

describe('parseStaticPeers', () => {
  test('When entries are named or bare URLs, then each becomes a pod with its origin', () => {
    expect(parseStaticPeers(' gw-0=http://10.0.0.1:9100/ , http://10.0.0.2:9100')).toEqual([
      { name: 'gw-0', url: 'http://10.0.0.1:9100' },
      { name: '10.0.0.2:9100', url: 'http://10.0.0.2:9100' },
    ]);
  });

  test('When an entry is not an http(s) URL, then parsing fails naming it', () => {
    expect(() => parseStaticPeers('file:///etc/passwd')).toThrow('file:///etc/passwd');
  });
});

describe('createPeerDirectory with a headless Service', () => {
  test('When asked again within the TTL, then DNS is not asked again; after it, the new answer is used; a failed lookup keeps the last one', async () => {
    const clock = { now: 0 };
    const answers: (string[] | Error)[] = [['10.0.0.2', '10.0.0.1'], ['10.0.0.3'], new Error('SERVFAIL')];
    let lookups = 0;
    const resolve = async () => {
      const answer = answers[lookups++]!;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const peers = createPeerDirectory({ kind: 'dns', host: 'gw-admin.ns.svc', port: 9100, protocol: 'http' }, () => clock.now, resolve, 10_000);

    const first = await peers();
    await peers();
    clock.now = 10_000;
    const second = await peers();
    clock.now = 20_000;
    const third = await peers();

    expect(first.map((p) => p.url)).toEqual(['http://10.0.0.1:9100', 'http://10.0.0.2:9100']);
    expect(second.map((p) => p.name)).toEqual(['10.0.0.3']);
    expect(third).toEqual(second);
    expect(lookups).toBe(3);
  });
});
