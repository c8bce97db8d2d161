import { z } from 'zod';

/**
 * Schema pieces shared by the service's settings and each vendor's settings fragment, so every
 * variable reads the same way.
 */

/** A comma-separated list; blanks around items are ignored. Empty is an error: unset the variable instead. */
export const csv = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item).min(1, 'expected at least one value (unset the variable instead of leaving it empty)'));

/** The rotation form of a secret list: a JSON array of strings. */
export const secretListForm = 'a JSON array: ["old","new"]';
/** Most secrets one variable may hold (rotation needs two). */
export const maxSecrets = 8;

/**
 * One secret, or several during rotation, for every vendor's secret variable. A plain value is ONE
 * secret taken verbatim; several secrets, or one that contains a comma, are written as a JSON array
 * of strings (`["old","new"]`). Nothing is trimmed, split or dropped: a plain value with a comma, an
 * empty secret, white space around one, a repeat or an over-long one is refused at start, since a
 * secret that silently differs from the vendor's (or splits into two that each authenticate) is
 * worse than a clear error. Messages never show a secret.
 */
export const secretList = (options: { readonly maxLength: number; readonly pattern?: { readonly regex: RegExp; readonly message: string } }) =>
  z.string().transform((raw, ctx): string[] => {
    const refuse = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let items: unknown;
    if (raw.startsWith('[')) {
      try {
        items = JSON.parse(raw);
      } catch (error) {
        const at = /position (\d+)/.exec((error as Error).message)?.[1];
        return refuse(`starts with [ but is not valid JSON${at === undefined ? '' : ` (at character ${Number(at) + 1})`}: several secrets, or one that starts with [, must be written as ${secretListForm}`);
      }
      if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) return refuse(`must be a JSON array of strings, such as ["old","new"]`);
      if (items.length === 0) return refuse('is an empty list (unset the variable instead)');
      if (items.length > maxSecrets) return refuse(`holds ${items.length} secrets; at most ${maxSecrets}`);
    } else {
      if (raw.includes(',')) return refuse(`contains a comma: a secret containing a comma, or several secrets for rotation, must be written as ${secretListForm}`);
      items = [raw];
    }
    const secrets = items as string[];
    secrets.forEach((secret, index) => {
      const problem = secretProblem(secret, secrets.indexOf(secret) !== index, options);
      if (problem) ctx.addIssue({ code: 'custom', message: secrets.length === 1 ? `the secret ${problem}` : `item ${index + 1} of ${secrets.length}: ${problem}` });
    });
    return secrets;
  });

function secretProblem(secret: string, repeated: boolean, options: Parameters<typeof secretList>[0]): string | undefined {
  if (secret === '') return 'is empty (unset the variable instead of leaving it empty)';
  if (secret.trim() !== secret) return 'has white space around it; remove it (secrets are used exactly as given)';
  if (secret.length > options.maxLength) return `is longer than ${options.maxLength} characters`;
  if (options.pattern && !options.pattern.regex.test(secret)) return options.pattern.message;
  if (repeated) return 'repeats an earlier item';
  return undefined;
}

/** A duration such as 500ms, 30s, 15m, 24h or 7d, as milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 15m, 24h or 7d')
  .transform((raw) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(raw) as RegExpExecArray;
    const unitMs = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Number(amount) * unitMs;
  });

/**
 * A number read from an environment variable. Unlike `z.coerce.number()`, an empty or blank value is
 * an error (it would coerce to 0: `PORT=` must not mean "any free port").
 */
export const envNumber = () =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number (unset the variable instead of leaving it empty)')
    .transform(Number);

/** A whole number read from an environment variable, between `min` and `max`. */
export const envInteger = (min: number, max: number = Number.MAX_SAFE_INTEGER) => envNumber().pipe(z.number().int('expected a whole number').min(min).max(max));
