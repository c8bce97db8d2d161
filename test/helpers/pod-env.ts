type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A container's environment as the kubelet sets it: literal values with `$(NAME)` of an earlier
 * variable expanded, and a downward-API reference to the pod's namespace filled in. Other references
 * (Secrets) are left out.
 */
export function podEnv(container: Obj, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (container.env ?? []) as Obj[]) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else if ('value' in e) env[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (whole: string, name: string) => env[name] ?? whole);
  }
  return env;
}
