import type { z } from 'zod';
import type { DeliveryDefaults, Sink, SinkDeps } from './sink';

/**
 * One sink type, declared in its own module and listed by the registry: its settings schema (a strict
 * object whose `type` literal names the type, built with `deliverySettings(delivery)`), its delivery
 * defaults, its factory, and the optional hooks that tools reach through the registry.
 */
export interface SinkDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly config: S;
  /** The delivery settings this type takes when the operator gives none (its schema applies them). */
  readonly delivery: DeliveryDefaults;
  /** Builds the sink; async so it can fail fast at start-up (bad address, unreachable dependency). */
  readonly create: (config: z.output<S>, deps: SinkDeps) => Promise<Sink>;
  /**
   * What an operator should know before events received since `since` are delivered again to these
   * sinks (all of this type), one sentence each; e.g. that the target de-duplicates only within a window.
   */
  readonly replayWarnings?: (sinks: readonly z.output<S>[], since: number, now: number) => string[];
}

/** Declares a sink type for the registry's list (the types of schema, factory and hooks are checked together). */
export function defineSink<S extends z.ZodObject>(definition: SinkDefinition<S>): SinkDefinition<S> {
  return definition;
}
