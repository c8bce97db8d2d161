#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (as root), only those missing:
# prometheus + promtool (metrics lint, alert tests, live dashboard check), nats-server (JetStream),
# redis-server, postgresql (the sink tests use real servers), and kubectl (renders the kustomize
# overlays; Debian's kubernetes-client provides one when none is installed), yamllint, and nginx (the
# load balancer of the scale-out test, test/scale/).
# `--check` installs nothing: it exits 1 with one line naming what is missing (`npm test` runs it first).
# ROOT (default /) is where the packages' files are looked for.
set -euo pipefail
root=${ROOT:-}
need=()
command -v promtool >/dev/null || need+=(prometheus)
[ -x "$root/usr/sbin/nats-server" ] || need+=(nats-server)
[ -x "$root/usr/bin/redis-server" ] || need+=(redis-server)
compgen -G "$root/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v kubectl >/dev/null || need+=(kubernetes-client)
command -v yamllint >/dev/null || need+=(yamllint)
[ -x "$root/usr/sbin/nginx" ] || need+=(nginx)
if [ ${#need[@]} -eq 0 ]; then
  [ "${1:-}" = --check ] || echo "test servers and tools: all present"
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "missing test servers and tools (${need[*]}): install them with: sudo bash scripts/install-test-deps.sh" >&2
  exit 1
fi
echo "installing: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
