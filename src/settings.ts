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

/**
 * A comma-separated list of secrets (several during rotation). Nothing is trimmed or dropped: an empty
 * item or one with surrounding white space is refused, since a secret that silently differs from the
 * vendor's (or a comma inside one, which splits it in two) is worse than a clear error at start.
 */
export const secretList = (item: z.ZodString) =>
  z
    .string()
    .transform((raw) => raw.split(','))
    .pipe(
      z
        .array(
          item
            .min(1, 'an item is empty: secrets are comma-separated, so a secret may not contain a comma')
            .refine((secret) => secret.trim() === secret, 'an item has white space around it; remove it (secrets are used exactly as given)'),
        )
        .min(1),
    );

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
