/**
 * Runs `task` at most once successfully: concurrent callers share the attempt in flight, a success is
 * kept, and a failure is forgotten so the next call tries again (a connection, a migration).
 */
export function onceUntilSuccess<T>(task: () => Promise<T>): () => Promise<T> {
  let attempt: Promise<T> | undefined;
  return () => {
    attempt ??= task().catch((error: unknown) => {
      attempt = undefined;
      throw error;
    });
    return attempt;
  };
}
