#!/bin/sh
# Debian packages the project needs on the machine; installs the missing ones
# when run as root on Debian/Ubuntu, otherwise says what to install.
set -eu
missing=""
need() { # need COMMAND-OR-TEST PACKAGE
  if ! sh -c "$1" >/dev/null 2>&1; then missing="$missing $2"; fi
}
need 'ls /usr/lib/postgresql/*/bin/initdb' postgresql
need 'command -v psql' postgresql-client
need 'command -v redis-server' redis-server
need 'command -v msgfmt' gettext
need 'command -v pg_config' libpq-dev
need 'command -v gcc' build-essential
need 'python3 -c "import ensurepip, venv"' python3-venv
need 'python3 -c "import sysconfig,os; assert os.path.exists(os.path.join(sysconfig.get_paths()[\"include\"], \"Python.h\"))"' python3-dev
need 'ls /usr/lib/*/libmagic.so.1' libmagic1
need 'command -v git' git
need 'command -v chromium' chromium
need 'command -v wrk' wrk
need 'command -v systemd-analyze' systemd
need 'command -v npm' npm
need 'test -x /usr/sbin/nginx' nginx
need 'test -e /usr/share/nginx/modules-available/mod-http-brotli-filter.conf' libnginx-mod-http-brotli-filter
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts a service as soon as its package is installed; nginx's would
  # listen on port 80 of every interface. The stack runs its own processes on
  # loopback, so services installed here are neither started nor enabled.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
  case "$missing" in
    *" nginx"*) command -v systemctl >/dev/null 2>&1 && systemctl disable nginx >/dev/null 2>&1 || true ;;
  esac
else
  echo "Missing system packages:$missing" >&2
  echo "Install them (Debian: sudo apt-get install$missing) and run make again." >&2
  exit 1
fi
