import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayMain, launch } from '../../bench/lib/launch';
import { freePort } from '../helpers/servers';
import { until } from '../helpers/wait';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/**
 * A ```bash block of the README with the marker on the line before it:
 * `<!-- readme: run [NAME=value …] -->` runs it against a freshly started service with that environment;
 * `<!-- readme: not run here: <reason> -->` says why a test cannot run it (a cluster, a registry, CI itself).
 */
interface Sample {
  readonly line: number;
  readonly marker: string | undefined;
  readonly body: string;
}

function bashSamples(markdown: string): Sample[] {
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  lines.forEach((text, i) => {
    if (text.trim() !== '```bash') return;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    const before = lines.slice(0, i).reverse().find((l) => l.trim() !== '');
    samples.push({ line: i + 1, marker: /^<!-- readme: (.+?) -->$/.exec(before?.trim() ?? '')?.[1], body: lines.slice(i + 1, end).join('\n') });
  });
  return samples;
}

/** `# …` lines that follow a command and show its output: each must be a line of what the block printed. */
const documentedOutput = (body: string) => body.split('\n').filter((l) => /^# [[{]/.test(l)).map((l) => l.slice(2));

const samples = bashSamples(readme);
const runnable = samples.filter((s) => s.marker?.startsWith('run'));

/**
 * Starts the built service in a scratch directory (its ./data is the service's DATA_DIR, as in the
 * Quick start), runs the sample there with bash, and stops the service. The sample's port 8080 is
 * the only change: tests never listen on fixed ports.
 */
async function runSample(sample: Sample): Promise<{ status: number | null; stdout: string; stderr: string; service: string }> {
  const [result] = await runInOneDirectory([sample]);
  return result!;
}

/**
 * Runs samples one after the other in one scratch directory, as a reader following the README does:
 * each against its own start of the service, all sharing the same ./data.
 */
async function runInOneDirectory(list: readonly Sample[]): Promise<{ status: number | null; stdout: string; stderr: string; service: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-readme-'));
  try {
    for (const link of ['dist', 'node_modules', 'examples', 'package.json']) symlinkSync(join(root, link), join(dir, link));
    const results = [];
    for (const sample of list) {
      const env = Object.fromEntries((sample.marker ?? '').split(/\s+/).slice(1).map((pair) => pair.split('=', 2) as [string, string]));
      const service = await launch(gatewayMain, { HOST: '127.0.0.1', PORT: '0', ...env }, { cwd: dir });
      try {
        const script = sample.body.replaceAll('127.0.0.1:8080', `127.0.0.1:${service.port}`);
        const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        results.push({ status: result.status, stdout: result.stdout, stderr: result.stderr, service: service.output() });
      } finally {
        await service.stop();
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README.md shell samples', () => {
  test('When the README shows a shell sample, then it is marked to be run here or says why it cannot be', () => {
    const unmarked = samples.filter((s) => !/^(run( \w+=\S+)*|not run here: .{10,})$/.test(s.marker ?? '')).map((s) => `README.md:${s.line}`);

    expect(runnable.length).toBeGreaterThanOrEqual(3);
    expect(unmarked).toEqual([]);
  });

  test.each(runnable.map((s) => [`README.md:${s.line}`, s] as const))('When the sample at %s runs against a started service, then it succeeds and prints what the README shows', async (_where, sample) => {
    const result = await runSample(sample);
    const printed = result.stdout.split('\n');

    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    for (const line of documentedOutput(sample.body)) expect(printed).toContain(line);
  }, 90_000);

  test('When a reader sends every Tencent callback sample in turn with ./data kept, then each one is a new event (no sample repeats another)', async () => {
    const tencent = runnable.filter((s) => s.body.includes('/tencent/callback') && documentedOutput(s.body).includes('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'));

    const results = await runInOneDirectory(tencent);

    expect(tencent.length).toBeGreaterThanOrEqual(2);
    for (const [i, result] of results.entries()) {
      expect({ sample: tencent[i]!.line, status: result.status, printed: result.stdout.split('\n') }).toEqual({
        sample: tencent[i]!.line,
        status: 0,
        printed: expect.arrayContaining(['{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}']),
      });
    }
  }, 180_000);

  test('When a sample prints something other than what the README shows, then the check fails (it can fail)', async () => {
    const sample = { line: 0, marker: 'run', body: 'curl -s http://127.0.0.1:8080/healthz\n# {"status":"not what it prints"}' };

    const result = await runSample(sample);

    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).not.toContain(documentedOutput(sample.body)[0]);
  }, 90_000);
});

/** Markdown headings outside code blocks, with their level. */
function headings(markdown: string): { level: number; text: string }[] {
  let fenced = false;
  return markdown.split('\n').flatMap((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#{1,6}) (.+)$/.exec(line);
    return heading ? [{ level: heading[1]!.length, text: heading[2]!.trim() }] : [];
  });
}

/** The anchor GitHub and GitLab give a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\- _]/gu, '').replaceAll(' ', '-');

/** The `- [text](#anchor)` lines of the README's table of contents (the list after **Contents**). */
function tableOfContents(markdown: string): { text: string; anchor: string }[] {
  const after = markdown.split('**Contents**')[1] ?? '';
  const list = after.trimStart().split('\n\n')[0]!.split('\n');
  return list.flatMap((line) => {
    const entry = /^- \[(.+)\]\(#(.+)\)$/.exec(line);
    return entry ? [{ text: entry[1]!, anchor: entry[2]! }] : [];
  });
}

describe('README.md table of contents', () => {
  test('When the README has a ## section, then the table of contents lists it, in order, with the anchor the heading gets', () => {
    const sections = headings(readme).filter((h) => h.level === 2).map((h) => ({ text: h.text, anchor: anchorOf(h.text) }));

    expect(sections.length).toBeGreaterThanOrEqual(10);
    expect(tableOfContents(readme)).toEqual(sections);
  });

  test('When a ## section is added without a contents entry, then the check sees it (it can fail)', () => {
    const added = readme.replace('\n## Development\n', '\n## Added later\n\ntext\n\n## Development\n');

    expect(tableOfContents(added)).not.toEqual(headings(added).filter((h) => h.level === 2).map((h) => ({ text: h.text, anchor: anchorOf(h.text) })));
  });

  test('When the README links to a section of itself, then a heading has that anchor', () => {
    const anchors = new Set(headings(readme).map((h) => anchorOf(h.text)));
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);

    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });
});

describe('README.md and the deployment files agree', () => {
  const manifests = ['k8s/base/statefulset.yaml', 'k8s/overlays/direct/deployment.yaml'].map((path) => [path, readFileSync(join(root, path), 'utf8')] as const);

  test('When the README builds the image, then the manifests run that image name', () => {
    const built = /docker build -t (\S+) \./.exec(readme)?.[1];

    expect(built).toBeDefined();
    for (const [path, text] of manifests) expect({ path, images: [...text.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1]) }).toEqual({ path, images: [built] });
  });

  test("When a manifest carries the documentation's sample SdkAppid, then a comment right above marks it to replace", () => {
    for (const [path, text] of manifests) {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.includes('"1400000001"'));

      expect({ path, found: at > 1 }).toEqual({ path, found: true });
      expect({ path, marked: lines.slice(at - 2, at).some((line) => /#.*REPLACE/.test(line)) }).toEqual({ path, marked: true });
    }
  });
});

describe('scripts/example-sinks.sh with examples/all-sinks.yaml', () => {
  test('When the script starts every server (here on free ports) and the gateway runs the example, then a callback reaches every sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-example-sinks-'));
    chmodSync(dir, 0o755);
    const ports = { NATS_PORT: await freePort(), REDIS_PORT: await freePort(), PG_PORT: await freePort(), HTTP_PORT: await freePort() };
    const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
    const script = (action: string) => spawnSync('bash', [join(root, 'scripts/example-sinks.sh'), action, join(dir, 'servers')], { env, encoding: 'utf8', timeout: 60_000 });
    const sh = (command: string) => spawnSync('bash', ['-c', command], { timeout: 300_000, encoding: 'utf8' }).stdout.trim();
    try {
      const started = script('start');
      expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
      // The script writes the example with the ports it used; nothing else of the example changes.
      const written = readFileSync(join(dir, 'servers', 'all-sinks.yaml'), 'utf8');
      const ported = (text: string) => Object.values(ports).reduce((t, p, i) => t.replaceAll(`127.0.0.1:${p}`, `127.0.0.1:${[4222, 6379, 5432, 9999][i]}`), text);
      expect(ported(written)).toBe(readFileSync(join(root, 'examples/all-sinks.yaml'), 'utf8'));
      for (const port of Object.values(ports)) expect(written).toContain(`127.0.0.1:${port}`);
      // The example's stdout sink takes standard output, so the service logs to stderr: wait on /healthz.
      const port = await freePort();
      const service = spawn(process.execPath, [gatewayMain], { cwd: dir, env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dir, 'data'), CONFIG_FILE: join(dir, 'servers', 'all-sinks.yaml') }, stdio: 'ignore' });
      const exited = new Promise((resolve) => service.once('exit', resolve));
      try {
        await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000);
        const callback = /curl -s -w '\\n' '(http:\/\/127\.0\.0\.1:8080\/tencent\/callback[^']+)'[^]*?-d '([^']+)'/.exec(readme)!;
        const reply = await fetch(callback[1]!.replace(':8080', `:${port}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: callback[2] });
        expect(await reply.json()).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });

        const delivered = () => ({
          file: existsSync(join(dir, 'data/events.jsonl')) && readFileSync(join(dir, 'data/events.jsonl'), 'utf8').trim().split('\n').length,
          http: existsSync(join(dir, 'servers/http-events.log')) && readFileSync(join(dir, 'servers/http-events.log'), 'utf8').includes('"specversion":"1.0"'),
          redis: sh(`redis-cli -p ${ports.REDIS_PORT} XLEN im:tencent:events`),
          postgres: sh(`psql -h 127.0.0.1 -p ${ports.PG_PORT} -U postgres -Atc 'select count(*) from im_events' 2>/dev/null`),
          nats: sh(`curl -s http://127.0.0.1:${port}/metrics | grep -c '^imgw_sink_deliveries_total{sink="nats",outcome="ok"} [1-9]'`),
        });
        const expected = { file: 1, http: true, redis: '1', postgres: '1', nats: '1' };
        await until(() => JSON.stringify(delivered()) === JSON.stringify(expected), 30_000).catch(() => undefined);
        expect(delivered()).toEqual(expected);
      } finally {
        service.kill('SIGTERM');
        await exited;
      }
    } finally {
      expect(script('stop').status).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

