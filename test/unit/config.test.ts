import { loadConfig, sinkName, withFileSecrets } from '../../src/config';

function problemsOf(env: Record<string, string>, file?: unknown): string {
  try {
    loadConfig(env, file);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  test('When nothing is configured, then the embedded default listens on 8080 with one file sink under ./data', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 8080,
      host: undefined,
      dataDir: './data',
      logLevel: 'info',
      maxBodyBytes: 1048576,
      retentionMs: 86_400_000,
      shutdownTimeoutMs: 25_000,
      ackMode: 'spool',
      spoolLimits: { maxPending: 3_000_000, maxBytes: 4 * 1024 ** 3, maxAgeMs: 0 },
      quarantine: { maxBytes: 256 * 1024 ** 2, retentionMs: 30 * 86_400_000 },
      ingestRateLimit: 0,
      maxConnections: 10_000,
      http: { keepAliveTimeoutMs: 65_000, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 },
      vendors: { tencent: { sdkAppIds: undefined, callbackTokens: undefined, signWindowSeconds: 60 } },
    });
    expect(config.sinks).toEqual([
      {
        type: 'file',
        batchSize: 1000,
        timeoutMs: 10000,
        retryInitialMs: 500,
        retryMaxMs: 60000,
        maxAttempts: 0,
        maxAgeMs: 86_400_000,
        maxBatchBytes: 1048576,
        lingerMs: 25,
        concurrency: 1,
        required: true,
        circuitBreaker: { failureThreshold: 5, openMs: 30000 },
        payload: 'cloudevent',
        rotateBytes: 104857600,
        keepFiles: 5,
      },
    ]);
    expect(Object.isFrozen(config.sinks[0])).toBe(true);
  });

  test('When every variable is set, then each is parsed into its field', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/imgw',
      TENCENT_SDKAPPIDS: '1400000001, 1400000002',
      TENCENT_CALLBACK_TOKENS: '["new-token","old-token"]',
      TENCENT_SIGN_WINDOW_SECONDS: '90',
      MAX_BODY_BYTES: '2048',
      LOG_LEVEL: 'debug',
      SPOOL_RETENTION: '7d',
      SHUTDOWN_TIMEOUT: '500ms',
    });

    expect(config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      dataDir: '/var/lib/imgw',
      logLevel: 'debug',
      maxBodyBytes: 2048,
      retentionMs: 7 * 86_400_000,
      shutdownTimeoutMs: 500,
      vendors: { tencent: { sdkAppIds: ['1400000001', '1400000002'], callbackTokens: ['new-token', 'old-token'], signWindowSeconds: 90 } },
    });
  });

  test('When several values are wrong, then every problem is listed at once in plain words', () => {
    const message = problemsOf({ PORT: '70000', TENCENT_SDKAPPIDS: '14000x', LOG_LEVEL: 'loud', SPOOL_RETENTION: 'a day' }, { sinks: [{ type: 'file', rotateBytes: 'big' }], extra: 1 });

    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toContain('→ at PORT');
    expect(message).toContain('expected digits');
    expect(message).toContain('→ at LOG_LEVEL');
    expect(message).toContain('expected a duration such as 500ms, 30s, 15m, 24h or 7d');
    expect(message).toContain('in CONFIG_FILE:');
    expect(message).toContain('→ at sinks[0].rotateBytes');
    expect(message).toContain('Unrecognized key: "extra"');
  });

  test('When an allow-list or token variable is set but empty, then it is refused rather than read as "no check"', () => {
    const message = problemsOf({ TENCENT_SDKAPPIDS: '', TENCENT_CALLBACK_TOKENS: ' , ' });

    expect(message).toContain('→ at TENCENT_SDKAPPIDS');
    expect(message).toContain('→ at TENCENT_CALLBACK_TOKENS');
    expect(message).toContain('unset the variable instead of leaving it empty');
  });

  test('When a sink setting is misspelled, then the unknown key is named', () => {
    expect(problemsOf({}, { sinks: [{ type: 'file', paht: '/tmp/x' }] })).toContain('Unrecognized key: "paht"');
  });

  test('When a sink type does not exist, then the problem names the field', () => {
    expect(problemsOf({}, { sinks: [{ type: 'kafka' }] })).toContain('→ at sinks[0].type');
  });

  test('When two sinks would share a name, then the configuration is refused', () => {
    expect(problemsOf({}, { sinks: [{ type: 'file' }, { type: 'file', path: '/tmp/b.jsonl' }] })).toContain('two sinks are named "file"');
  });

  test('When two sinks of one type have distinct names, then both are kept', () => {
    const config = loadConfig({}, { sinks: [{ type: 'file' }, { type: 'file', name: 'archive', path: '/tmp/b.jsonl' }] });

    expect(config.sinks.map(sinkName)).toEqual(['file', 'archive']);
  });
});

describe('withFileSecrets', () => {
  test('When <NAME>_FILE is set, then the file content (trimmed) becomes <NAME>', () => {
    const env = withFileSecrets({ TENCENT_CALLBACK_TOKENS_FILE: '/run/secrets/tokens' }, ['TENCENT_CALLBACK_TOKENS'], () => '["a","b"]\n');

    expect(env.TENCENT_CALLBACK_TOKENS).toBe('["a","b"]');
  });

  test('When both <NAME> and <NAME>_FILE are set, then <NAME> wins and the file is not read', () => {
    const read = jest.fn(() => 'from-file');

    const env = withFileSecrets({ TENCENT_CALLBACK_TOKENS: 'direct', TENCENT_CALLBACK_TOKENS_FILE: '/x' }, ['TENCENT_CALLBACK_TOKENS'], read);

    expect(env.TENCENT_CALLBACK_TOKENS).toBe('direct');
    expect(read).not.toHaveBeenCalled();
  });
});

describe('configuration edges', () => {
  test.each(['PORT', 'MAX_CONNECTIONS', 'SPOOL_MAX_PENDING', 'INGEST_RATE_LIMIT', 'TENCENT_SIGN_WINDOW_SECONDS'])(
    'When %s is set but empty, then it is an error, not 0',
    (name) => {
      expect(problemsOf({ [name]: '' })).toContain(`expected a number (unset the variable instead of leaving it empty)\n  → at ${name}`);
    },
  );

  test('When INGEST_RATE_LIMIT is a fraction, then it is kept as given', () => {
    expect(loadConfig({ INGEST_RATE_LIMIT: '0.5' }).ingestRateLimit).toBe(0.5);
  });

  test('When a *_FILE variable names a file that cannot be read, then the error names the variable and the path', () => {
    const read = () => {
      throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    };

    expect(() => withFileSecrets({ TENCENT_CALLBACK_TOKENS_FILE: '/run/secrets/missing' }, ['TENCENT_CALLBACK_TOKENS'], read)).toThrow(
      'TENCENT_CALLBACK_TOKENS_FILE names /run/secrets/missing, which could not be read (ENOENT)',
    );
  });

  test('When a token has a comma inside or white space around it, then the configuration is refused rather than split or trimmed', () => {
    expect(problemsOf({ TENCENT_CALLBACK_TOKENS: 'abc,def' })).toContain(
      'contains a comma: a secret containing a comma, or several secrets for rotation, must be written as a JSON array: ["old","new"]\n  → at TENCENT_CALLBACK_TOKENS',
    );
    expect(problemsOf({ TENCENT_CALLBACK_TOKENS: ' abc' })).toMatch(/white space around it/);
  });
});
