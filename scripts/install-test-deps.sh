#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (as root), only those missing:
# prometheus + promtool (metrics lint, alert tests, live dashboard check), nats-server (JetStream),
# redis-server, postgresql (the sink tests use real servers), and kubectl (renders the kustomize
# overlays; Debian's kubernetes-client provides one when none is installed), yamllint, and nginx (the
# load balancer of the scale-out test, test/scale/), and chromium (the console's browser tests drive it
# through Playwright, which downloads no browser: `npm ci` runs with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
set -euo pipefail
need=()
command -v promtool >/dev/null || need+=(prometheus)
[ -x /usr/sbin/nats-server ] || need+=(nats-server)
[ -x /usr/bin/redis-server ] || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v kubectl >/dev/null || need+=(kubernetes-client)
command -v yamllint >/dev/null || need+=(yamllint)
[ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  echo "test servers and tools: all present"
  exit 0
fi
echo "installing: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
