import { z } from 'zod';
import { consoleEnv, peerSource } from '../../../../src/admin/console/settings';

const parse = (env: Record<string, string>) => z.object(consoleEnv).parse(env);
const self = { name: 'gw-0', url: 'http://127.0.0.1:9100' };

describe('console settings', () => {
  test('When nothing is set, then the console asks this gateway alone, with bounded sessions and a 2 s peer timeout', () => {
    const env = parse({});

    expect(peerSource(env, self)).toEqual({ kind: 'self', self });
    expect(env).toMatchObject({ CONSOLE_PEER_TIMEOUT: 2000, CONSOLE_SESSION_LIFETIME: 8 * 3600_000, CONSOLE_SESSION_IDLE: 30 * 60_000, CONSOLE_MAX_SESSIONS: 1000, CONSOLE_COOKIE_SECURE: 'auto' });
  });

  test('When a headless Service and a list are both set, then the Service wins; a list alone is used as given', () => {
    expect(peerSource(parse({ CONSOLE_PEERS_DNS: 'imgw-admin.imgw.svc:9100', CONSOLE_PEERS: 'http://a:1' }), self)).toEqual({ kind: 'dns', host: 'imgw-admin.imgw.svc', port: 9100, protocol: 'http' });
    expect(peerSource(parse({ CONSOLE_PEERS: 'gw-1=http://10.0.0.2:9100' }), self)).toEqual({ kind: 'static', peers: [{ name: 'gw-1', url: 'http://10.0.0.2:9100' }] });
  });

  test('When a value is wrong, then parsing names the problem', () => {
    expect(() => parse({ CONSOLE_PEERS_DNS: 'no-port' })).toThrow('host:port');
    expect(() => parse({ GRAFANA_URL: 'javascript:alert(1)' })).toThrow();
  });
});
