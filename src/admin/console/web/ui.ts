import { get, pod, post, routes } from './api.js';
import { h } from './dom.js';

/** Asks the operator in a modal dialog (keyboard- and screen-reader-friendly); resolves true on confirm. */
export function confirmDialog(text: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-text' });
    const close = (answer: boolean) => () => (dialog.close(), dialog.remove(), resolve(answer));
    dialog.append(
      h('p', { id: 'confirm-text' }, text),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close(false) }, 'Cancel'), h('button', { type: 'button', class: 'danger', onclick: close(true) }, action)),
    );
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

interface Job {
  readonly id: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly done: number;
  readonly total: number;
  readonly error?: string;
  readonly result?: { readonly count?: number };
}

/** What a change answered: a finished count, or a job to follow. */
type Started = { readonly count?: number; readonly job?: Job } & Partial<Job>;

/**
 * Runs one change on every listed pod in turn and shows progress in `into`: a started job is polled
 * until it ends. Resolves the total changed.
 */
export async function runOnPods(pods: readonly string[], path: string, body: unknown, into: HTMLElement): Promise<number> {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Progress' });
  const line = h('span', { role: 'status' }, 'Starting…');
  into.replaceChildren(bar, line);
  let total = 0;
  for (const [i, name] of pods.entries()) {
    const started = await post<Started>(pod(name, path), body);
    let job = started.job ?? (started.id !== undefined ? (started as Job) : undefined);
    while (job !== undefined && job.state === 'running') {
      bar.max = Math.max(1, job.total);
      bar.value = job.done;
      line.textContent = `${name}: ${job.done} of ${job.total}`;
      await new Promise((r) => setTimeout(r, 400));
      job = await get<Job>(pod(name, routes.job(job.id)));
    }
    if (job?.state === 'failed') throw new Error(`${name}: ${job.error ?? 'failed'}`);
    total += job?.result?.count ?? job?.done ?? started.count ?? 0;
    line.textContent = `${i + 1} of ${pods.length} pods done: ${total} so far`;
  }
  bar.max = 1;
  bar.value = 1;
  line.textContent = `Done: ${total}`;
  return total;
}

/** Sums a dry run over the pods: how many a change would touch. */
export async function preview(pods: readonly string[], path: string, body: object): Promise<number> {
  const counts = await Promise.all(pods.map((name) => post<{ count: number }>(pod(name, path), { ...body, dryRun: true })));
  return counts.reduce((sum, c) => sum + (c.count ?? 0), 0);
}

/** Reads a `datetime-local` input as ms since the epoch (UTC), or undefined when empty. */
export const inputTime = (value: string) => (value === '' ? undefined : Date.parse(`${value}Z`));
