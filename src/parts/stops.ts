/**
 * The stop steps of a running service, registered by each part as it starts and run in reverse order
 * (last started, first stopped). A part that fails to start leaves the steps of those before it,
 * which the caller runs.
 */
export function createStops() {
  const steps: { name: string; run: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;
  return {
    add(name: string, run: () => Promise<void> | void): void {
      steps.push({ name, run });
    },
    /** Runs every step once, newest first; a step that throws does not keep the others from running. */
    run(onError?: (name: string, error: unknown) => void): Promise<void> {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          try {
            await step.run();
          } catch (error) {
            onError?.(step.name, error);
          }
        }
      })();
      return running;
    },
  };
}

export type Stops = ReturnType<typeof createStops>;
