#!/usr/bin/env bash
# Local backing services for Billing: PostgreSQL, RabbitMQ (+ management UI),
# an SMTP mail sink writing to a Maildir, the payment providers' stand-in
# (src/Billing.Providers.StandIn), an S3-compatible object store (s3rver, from
# npm, for the statement PDFs' "s3" store), and a check that headless Chromium works.
#
#   scripts/stack.sh up       start whatever does not answer yet (idempotent)
#   scripts/stack.sh down     stop only what `up` started (listed in .stack/started)
#   scripts/stack.sh status   show what answers (exit 1 if something does not)
#   scripts/stack.sh restart postgres|rabbitmq [seconds down]
#                             restart one server and wait until it answers again
#                             (the failure tests use it: a routine restart mid-run)
#   scripts/stack.sh forget-consumers VHOST
#                             make RabbitMQ's classic queues of VHOST drop their
#                             consumers while the consumers' channels keep them:
#                             the broken state a worker was found in after a
#                             broker restart (issue 18); for the watchdog's tests
#
# If a Docker engine answers, `up` uses docker-compose.yml (services postgres,
# rabbitmq, mailsink); otherwise it uses Debian packages on this machine,
# installing missing ones with apt-get (needs root, or sudo). The provider
# stand-in runs as a local dotnet process in both modes (built when its dll is
# missing or older than its sources; a copy this script started is restarted
# when its sources have changed since). So does the object store (s3rver,
# installed with npm from scripts/s3/package-lock.json into .stack/s3).
#
# Settings (environment variables, defaults in brackets):
#   BILLING_STACK_MODE        auto | docker | native                 [auto]
#   BILLING_PG_PORT           PostgreSQL port                        [5432]
#   BILLING_PG_VERSION        Debian cluster version                 [15]
#   BILLING_PG_CLUSTER        Debian cluster name                    [main]
#   BILLING_PG_MAX_CONNECTIONS  raise max_connections to at least    [300]
#   BILLING_DB_USER / BILLING_DB_PASSWORD / BILLING_DB_NAME          [billing]
#   BILLING_RABBIT_PORT       AMQP port                              [5672]
#   BILLING_RABBIT_MGMT_PORT  management UI/API port                 [15672]
#   BILLING_RABBIT_USER / BILLING_RABBIT_PASSWORD                    [billing]
#   BILLING_RABBIT_VHOST      vhost the user gets full rights on     [/]
#   BILLING_RABBIT_NODE       Erlang node `restart rabbitmq` acts on [the default node]
#                             (a private broker of a test run, e.g. billing-broker@localhost)
#   BILLING_SMTP_PORT         mail sink port (listens on 127.0.0.1)  [2525]
#   BILLING_MAIL_DIR          Maildir the sink writes to             [<repo>/.stack/mail]
#   BILLING_PROVIDERS_PORT    provider stand-in port (127.0.0.1)     [5090]
#                             (the service's Refunds:Providers:*:BaseUrl defaults to 5090)
#   BILLING_S3_PORT           object store port (127.0.0.1)          [4568]
#   BILLING_S3_BUCKET         bucket it creates at start             [billing-statements]
#                             (any access key and secret; s3rver's own account is S3RVER/S3RVER)
#   BILLING_CHROMIUM          Chromium binary (the dashboard tests)  [/usr/bin/chromium]
#   BILLING_CHROMIUM_SHELL    headless shell (statement PDFs)        [/usr/bin/chromium-headless-shell]
#   BILLING_SYSTEM_PYTHON     python with aiosmtpd (not pyenv's)     [/usr/bin/python3]
#   BILLING_PG_TIMEOUT / BILLING_RABBIT_TIMEOUT / BILLING_SMTP_TIMEOUT / BILLING_PROVIDERS_TIMEOUT / BILLING_S3_TIMEOUT
#                             seconds                                [60/120/20/60/30]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="$REPO_ROOT/.stack"
LOG_DIR="$STACK_DIR/logs"
STARTED_FILE="$STACK_DIR/started"
MAILSINK_PID_FILE="$STACK_DIR/mailsink.pid"
PROVIDERS_PID_FILE="$STACK_DIR/providers.pid"
PROVIDERS_PROJECT="$REPO_ROOT/src/Billing.Providers.StandIn"
PROVIDERS_RUN_DIR="$STACK_DIR/providers"
COMPOSE_FILE="$REPO_ROOT/docker-compose.yml"
S3_PACKAGE_DIR="$REPO_ROOT/scripts/s3"
S3_INSTALL_DIR="$STACK_DIR/s3"
S3_DATA_DIR="$STACK_DIR/s3-data"
S3_PID_FILE="$STACK_DIR/s3.pid"

BILLING_STACK_MODE="${BILLING_STACK_MODE:-auto}"
BILLING_PG_PORT="${BILLING_PG_PORT:-5432}"
BILLING_PG_VERSION="${BILLING_PG_VERSION:-15}"
BILLING_PG_CLUSTER="${BILLING_PG_CLUSTER:-main}"
BILLING_PG_MAX_CONNECTIONS="${BILLING_PG_MAX_CONNECTIONS:-300}"
BILLING_DB_USER="${BILLING_DB_USER:-billing}"
BILLING_DB_PASSWORD="${BILLING_DB_PASSWORD:-billing}"
BILLING_DB_NAME="${BILLING_DB_NAME:-billing}"
BILLING_RABBIT_PORT="${BILLING_RABBIT_PORT:-5672}"
BILLING_RABBIT_MGMT_PORT="${BILLING_RABBIT_MGMT_PORT:-15672}"
BILLING_RABBIT_USER="${BILLING_RABBIT_USER:-billing}"
BILLING_RABBIT_PASSWORD="${BILLING_RABBIT_PASSWORD:-billing}"
BILLING_RABBIT_VHOST="${BILLING_RABBIT_VHOST:-/}"
BILLING_RABBIT_NODE="${BILLING_RABBIT_NODE:-}"
BILLING_SMTP_PORT="${BILLING_SMTP_PORT:-2525}"
BILLING_MAIL_DIR="${BILLING_MAIL_DIR:-$STACK_DIR/mail}"
BILLING_CHROMIUM="${BILLING_CHROMIUM:-/usr/bin/chromium}"
BILLING_CHROMIUM_SHELL="${BILLING_CHROMIUM_SHELL:-/usr/bin/chromium-headless-shell}"
BILLING_SYSTEM_PYTHON="${BILLING_SYSTEM_PYTHON:-/usr/bin/python3}"
BILLING_PG_TIMEOUT="${BILLING_PG_TIMEOUT:-60}"
BILLING_RABBIT_TIMEOUT="${BILLING_RABBIT_TIMEOUT:-120}"
BILLING_SMTP_TIMEOUT="${BILLING_SMTP_TIMEOUT:-20}"
BILLING_PROVIDERS_PORT="${BILLING_PROVIDERS_PORT:-5090}"
BILLING_PROVIDERS_TIMEOUT="${BILLING_PROVIDERS_TIMEOUT:-60}"
BILLING_S3_PORT="${BILLING_S3_PORT:-4568}"
BILLING_S3_BUCKET="${BILLING_S3_BUCKET:-billing-statements}"
BILLING_S3_TIMEOUT="${BILLING_S3_TIMEOUT:-30}"
# docker-compose.yml reads these too.
export BILLING_PG_PORT BILLING_DB_USER BILLING_DB_PASSWORD BILLING_DB_NAME \
  BILLING_RABBIT_PORT BILLING_RABBIT_MGMT_PORT BILLING_RABBIT_USER BILLING_RABBIT_PASSWORD \
  BILLING_SMTP_PORT BILLING_MAIL_DIR BILLING_PROVIDERS_PORT

readonly LOCALHOST=127.0.0.1
readonly NATIVE_PACKAGES=(postgresql rabbitmq-server chromium chromium-headless-shell python3-aiosmtpd fonts-dejavu-core poppler-utils curl)

PG_LOG="/var/log/postgresql/postgresql-${BILLING_PG_VERSION}-${BILLING_PG_CLUSTER}.log"
RABBIT_LOG_DIR="/var/log/rabbitmq"

# ---------------------------------------------------------------- helpers

log()  { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Commands that need root go through this (sudo when not root and available).
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -- "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

as_postgres() {
  # cd / so psql does not complain that it cannot read the caller's directory.
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  elif command -v sudo >/dev/null 2>&1; then
    (cd / && sudo -u postgres -- "$@")
  else
    die "need root (or sudo) to run as the postgres user: $*"
  fi
}

# True if something accepts TCP connections on host:port.
port_open() {
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

# wait_until TIMEOUT_SECONDS COMMAND... : poll once a second.
wait_until() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    (( SECONDS >= deadline )) && return 1
    sleep 1
  done
}

mark_started() {
  mkdir -p "$STACK_DIR"
  touch "$STARTED_FILE"
  grep -qxF "$1" "$STARTED_FILE" || printf '%s\n' "$1" >>"$STARTED_FILE"
}

prepare_stack_dir() {
  mkdir -p "$STACK_DIR" "$LOG_DIR"
  # The directory ignores itself, whatever the repository's .gitignore says.
  [[ -f "$STACK_DIR/.gitignore" ]] || printf '*\n' >"$STACK_DIR/.gitignore"
}

# One `up`/`down` at a time. The lock fd (9) is closed for every daemon we start
# (9>&-) so that a long-lived server never inherits and holds the lock.
take_lock() {
  prepare_stack_dir
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$STACK_DIR/lock"
  flock -w 300 9 || die "another scripts/stack.sh is still running (lock $STACK_DIR/lock)"
}

pkg_installed() {
  # `dpkg -s` also succeeds for removed packages whose config files remain
  # ("deinstall ok config-files"), so look at the status line itself.
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
  log "installing missing packages: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  for p in "${missing[@]}"; do
    pkg_installed "$p" || die "package $p is still not installed after apt-get install"
  done
}

# ---------------------------------------------------------------- checks

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$LOCALHOST" -p "$BILLING_PG_PORT"
  else
    port_open "$LOCALHOST" "$BILLING_PG_PORT"
  fi
}

pg_app_login() {
  PGPASSWORD="$BILLING_DB_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -At -w \
    -h "$LOCALHOST" -p "$BILLING_PG_PORT" -U "$BILLING_DB_USER" -d "$BILLING_DB_NAME" "$@"
}

rabbit_amqp_answers() { port_open "$LOCALHOST" "$BILLING_RABBIT_PORT"; }

rabbit_api() {
  curl -fsS --max-time 5 -u "$BILLING_RABBIT_USER:$BILLING_RABBIT_PASSWORD" \
    "http://$LOCALHOST:$BILLING_RABBIT_MGMT_PORT/api/$1"
}

rabbit_mgmt_answers() { rabbit_api overview >/dev/null 2>&1; }

# Management UI port open at all (any HTTP answer, even 401).
rabbit_mgmt_port_open() { port_open "$LOCALHOST" "$BILLING_RABBIT_MGMT_PORT"; }

smtp_answers() { port_open "$LOCALHOST" "$BILLING_SMTP_PORT"; }

providers_ledger() {
  curl -fsS --max-time 5 "http://$LOCALHOST:$BILLING_PROVIDERS_PORT/control/ledger" 2>/dev/null
}

# The stand-in itself answers, not just anything on its port.
providers_answer() { providers_ledger | grep -q '"payments"'; }

rabbit_amqp_closed() { ! rabbit_amqp_answers; }

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

vhost_url_encoded() {
  local v=$BILLING_RABBIT_VHOST
  v=${v//%/%25}; v=${v//\//%2F}
  printf '%s' "$v"
}

# The billing user can log into the management API as an administrator and has
# configure/write/read ".*" on the vhost.
rabbit_user_ok() {
  local me perms
  me=$(rabbit_api whoami 2>/dev/null) || return 1
  [[ $me == *administrator* ]] || return 1
  perms=$(rabbit_api "permissions/$(vhost_url_encoded)/$BILLING_RABBIT_USER" 2>/dev/null) || return 1
  [[ $perms == *'"configure":".*"'* && $perms == *'"write":".*"'* && $perms == *'"read":".*"'* ]]
}

chromium_version() {
  # --version needs no display; HOME keeps it from writing into the caller's home.
  HOME="${TMPDIR:-/tmp}" timeout 30 "${1:-$BILLING_CHROMIUM}" --version 2>/dev/null
}

# Statements print on the headless shell; the dashboard's browser tests drive the full Chromium.
chromium_shell_version() { chromium_version "$BILLING_CHROMIUM_SHELL"; }

# ---------------------------------------------------------------- docker mode

docker_engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1
}

COMPOSE=()
find_compose() {
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose -f "$COMPOSE_FILE")
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose -f "$COMPOSE_FILE")
  else
    die "a Docker engine answers but neither 'docker compose' nor 'docker-compose' is installed (or run with BILLING_STACK_MODE=native)"
  fi
}

up_docker() {
  find_compose
  local services=()
  pg_answers            || services+=(postgres)
  rabbit_amqp_answers   || services+=(rabbitmq)
  smtp_answers          || services+=(mailsink)
  mkdir -p "$BILLING_MAIL_DIR"/{tmp,new,cur}
  if ((${#services[@]} > 0)); then
    log "docker compose up -d ${services[*]}"
    "${COMPOSE[@]}" up -d "${services[@]}" 9>&-
    mark_started compose
  else
    log "postgres, rabbitmq and mailsink already answer; leaving them alone"
  fi
  wait_until "$BILLING_PG_TIMEOUT" pg_answers \
    || die "PostgreSQL (compose service postgres) did not answer on $LOCALHOST:$BILLING_PG_PORT within ${BILLING_PG_TIMEOUT}s; see: ${COMPOSE[*]} logs postgres"
  if command -v psql >/dev/null 2>&1; then
    wait_until "$BILLING_PG_TIMEOUT" pg_app_login -c 'select 1' >/dev/null 2>&1 \
      || die "PostgreSQL answers but $BILLING_DB_USER cannot log into $BILLING_DB_NAME; see: ${COMPOSE[*]} logs postgres"
  fi
  wait_until "$BILLING_RABBIT_TIMEOUT" rabbit_amqp_answers \
    || die "RabbitMQ (compose service rabbitmq) did not answer on $LOCALHOST:$BILLING_RABBIT_PORT within ${BILLING_RABBIT_TIMEOUT}s; see: ${COMPOSE[*]} logs rabbitmq"
  wait_until "$BILLING_RABBIT_TIMEOUT" rabbit_mgmt_answers \
    || die "RabbitMQ management API did not answer on http://$LOCALHOST:$BILLING_RABBIT_MGMT_PORT within ${BILLING_RABBIT_TIMEOUT}s; see: ${COMPOSE[*]} logs rabbitmq"
  # The mailsink container pip-installs aiosmtpd first, so give it longer.
  wait_until $((BILLING_SMTP_TIMEOUT + 120)) smtp_answers \
    || die "mail sink (compose service mailsink) did not answer on $LOCALHOST:$BILLING_SMTP_PORT; see: ${COMPOSE[*]} logs mailsink"
  # Tests render PDFs on this machine, so Chromium must exist here too.
  # The PDF tests read the text back with pdftotext (poppler-utils).
  if ! chromium_version >/dev/null || ! chromium_shell_version >/dev/null || ! command -v pdftotext >/dev/null 2>&1; then
    if [[ -x /usr/bin/apt-get ]]; then
      ensure_packages chromium chromium-headless-shell fonts-dejavu-core poppler-utils
    else
      warn "no working Chromium at $BILLING_CHROMIUM; PDF tests will fail (set BILLING_CHROMIUM)"
    fi
  fi
}

# ---------------------------------------------------------------- native: postgres

pg_cluster_exists() {
  [[ -f "/etc/postgresql/$BILLING_PG_VERSION/$BILLING_PG_CLUSTER/postgresql.conf" ]]
}

pg_cluster_online() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$BILLING_PG_VERSION" -v c="$BILLING_PG_CLUSTER" \
    '$1 == v && $2 == c && $4 ~ /^online/ { found = 1 } END { exit !found }'
}

pg_psql_admin() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$BILLING_PG_PORT" "$@"
}

pg_ensure_role_and_db() {
  if pg_app_login -c 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  log "PostgreSQL: ensuring role '$BILLING_DB_USER' and database '$BILLING_DB_NAME'"
  # format(%I/%L) quotes names and the password; \gexec runs the generated statements.
  pg_psql_admin -d postgres -v u="$BILLING_DB_USER" -v p="$BILLING_DB_PASSWORD" -v db="$BILLING_DB_NAME" -f - <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'p')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'p') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'u')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'u')
  FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
 WHERE d.datname = :'db' AND r.rolname <> :'u' \gexec
SQL
  if pg_app_login -c 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  # Password login over TCP still fails: pg_hba.conf must be rejecting it (the
  # Debian default allows scram for 127.0.0.1). Put a rule for exactly this
  # user/database/address first; "md5" accepts both md5 and scram passwords.
  pg_hba_put_first "host $BILLING_DB_NAME $BILLING_DB_USER $LOCALHOST/32 md5" \
    "password login over TCP failed; adding a rule for $BILLING_DB_USER"
  sleep 1
  pg_app_login -c 'select 1' >/dev/null \
    || die "PostgreSQL: '$BILLING_DB_USER' still cannot log in with a password over TCP $LOCALHOST:$BILLING_PG_PORT; check pg_hba.conf and $PG_LOG"
}

# Puts one rule at the top of pg_hba.conf (the first matching rule wins) and reloads the configuration.
pg_hba_put_first() {
  local rule=$1 why=$2 hba
  hba=$(pg_psql_admin -d postgres -At -c 'SHOW hba_file') || die "cannot read hba_file setting"
  log "PostgreSQL: $why ($hba)"
  as_root sed -i "1i $rule  # added by scripts/stack.sh" "$hba"
  pg_psql_admin -d postgres -At -c 'SELECT pg_reload_conf()' >/dev/null
}

# A connection string may say Host=/var/run/postgresql (a Unix-domain socket, cheaper than loopback TCP; see
# docs/benchmarks.md). Debian's default "peer" rule for local connections wants an OS user of the same name; let
# the application's user log in there with its password instead.
pg_ensure_socket_login() {
  local socket_dir
  socket_dir=$(pg_psql_admin -d postgres -At -c 'SHOW unix_socket_directories' | cut -d, -f1) || return 0
  if PGPASSWORD="$BILLING_DB_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -At -w -h "$socket_dir" -p "$BILLING_PG_PORT" \
      -U "$BILLING_DB_USER" -d "$BILLING_DB_NAME" -c 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  pg_hba_put_first "local all $BILLING_DB_USER md5" "letting $BILLING_DB_USER log in with its password over the Unix socket"
}

pg_ensure_max_connections() {
  local current
  current=$(pg_app_login -c 'SHOW max_connections') || die "PostgreSQL: cannot read max_connections"
  if ((current >= BILLING_PG_MAX_CONNECTIONS)); then
    return 0
  fi
  log "PostgreSQL: max_connections is $current, raising to $BILLING_PG_MAX_CONNECTIONS (restart)"
  pg_psql_admin -d postgres -c "ALTER SYSTEM SET max_connections = $BILLING_PG_MAX_CONNECTIONS"
  as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" restart \
    >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- \
    || die "PostgreSQL did not restart; see $PG_LOG and $LOG_DIR/postgres-start.log"
  wait_until "$BILLING_PG_TIMEOUT" pg_answers \
    || die "PostgreSQL did not come back after the restart; see $PG_LOG"
  current=$(pg_app_login -c 'SHOW max_connections')
  ((current >= BILLING_PG_MAX_CONNECTIONS)) \
    || die "PostgreSQL: max_connections is still $current after restart; see $PG_LOG"
}

up_postgres() {
  if pg_answers; then
    log "PostgreSQL already answers on $LOCALHOST:$BILLING_PG_PORT"
  else
    if ! pg_cluster_exists; then
      log "PostgreSQL: creating cluster $BILLING_PG_VERSION/$BILLING_PG_CLUSTER on port $BILLING_PG_PORT"
      as_root pg_createcluster -p "$BILLING_PG_PORT" "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" \
        >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- \
        || die "pg_createcluster $BILLING_PG_VERSION $BILLING_PG_CLUSTER failed; see $LOG_DIR/postgres-start.log"
    fi
    local conf_port
    conf_port=$(pg_conftool -s "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" show port 2>/dev/null || echo 5432)
    [[ $conf_port == "$BILLING_PG_PORT" ]] \
      || die "cluster $BILLING_PG_VERSION/$BILLING_PG_CLUSTER is configured for port $conf_port, not BILLING_PG_PORT=$BILLING_PG_PORT"
    if pg_cluster_online; then
      log "PostgreSQL: cluster $BILLING_PG_VERSION/$BILLING_PG_CLUSTER is running but not answering yet; waiting"
    else
      log "PostgreSQL: starting cluster $BILLING_PG_VERSION/$BILLING_PG_CLUSTER"
      as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" start \
        >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- \
        || die "PostgreSQL could not start; see $PG_LOG and $LOG_DIR/postgres-start.log"
      mark_started postgres
    fi
    wait_until "$BILLING_PG_TIMEOUT" pg_answers \
      || die "PostgreSQL did not answer on $LOCALHOST:$BILLING_PG_PORT within ${BILLING_PG_TIMEOUT}s; see $PG_LOG"
  fi
  pg_ensure_role_and_db
  pg_ensure_socket_login
  pg_ensure_max_connections
}

# ---------------------------------------------------------------- native: rabbitmq

# Asks the Erlang node itself (needs root or sudo: it reads the rabbitmq cookie).
rabbit_node_pings() {
  if [[ $EUID -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    return 1
  fi
  as_root timeout 15 rabbitmq-diagnostics -q ping >/dev/null 2>&1
}

# rabbitmqctl against the configured node (the machine's default node unless BILLING_RABBIT_NODE names another).
rabbitmqctl_node() {
  if [[ -n $BILLING_RABBIT_NODE ]]; then
    as_root rabbitmqctl -n "$BILLING_RABBIT_NODE" "$@"
  else
    as_root rabbitmqctl "$@"
  fi
}

rabbit_ensure_user() {
  if rabbit_user_ok; then
    return 0
  fi
  local u=$BILLING_RABBIT_USER
  log "RabbitMQ: ensuring user '$u' (administrator, full rights on vhost '$BILLING_RABBIT_VHOST')"
  if as_root rabbitmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qxF "$u"; then
    as_root rabbitmqctl -q change_password "$u" "$BILLING_RABBIT_PASSWORD" >/dev/null
  else
    as_root rabbitmqctl -q add_user "$u" "$BILLING_RABBIT_PASSWORD" >/dev/null
  fi
  as_root rabbitmqctl -q set_user_tags "$u" administrator >/dev/null
  if ! as_root rabbitmqctl -q list_vhosts 2>/dev/null | grep -qxF "$BILLING_RABBIT_VHOST"; then
    as_root rabbitmqctl -q add_vhost "$BILLING_RABBIT_VHOST" >/dev/null
  fi
  as_root rabbitmqctl -q set_permissions -p "$BILLING_RABBIT_VHOST" "$u" '.*' '.*' '.*' >/dev/null
}

# Queue depths in the management API are counted every collect_statistics_interval (5 s by default); tests that wait
# for "every queue empty" need fresher counts. Set for the running node (queues created from now on) and for later boots.
RABBIT_STATISTICS_INTERVAL_MS=500
rabbit_statistics_interval() {
  if ! grep -qs '^collect_statistics_interval' /etc/rabbitmq/rabbitmq.conf; then
    echo "collect_statistics_interval = $RABBIT_STATISTICS_INTERVAL_MS" | as_root tee -a /etc/rabbitmq/rabbitmq.conf >/dev/null
  fi
  rabbitmqctl_node -q eval "application:set_env(rabbit, collect_statistics_interval, $RABBIT_STATISTICS_INTERVAL_MS)." \
    >/dev/null 2>&1 </dev/null 9>&- || warn "could not set RabbitMQ's collect_statistics_interval; queue depths lag by 5 s"
}

up_rabbitmq() {
  local started=0
  if rabbit_amqp_answers; then
    log "RabbitMQ already answers on $LOCALHOST:$BILLING_RABBIT_PORT"
  elif rabbit_node_pings; then
    log "RabbitMQ node is running but AMQP is not up yet; waiting"
  else
    if ! grep -qs 'rabbitmq_management' /etc/rabbitmq/enabled_plugins; then
      log "RabbitMQ: enabling the management plugin"
      as_root rabbitmq-plugins enable --offline rabbitmq_management \
        >>"$LOG_DIR/rabbitmq-start.log" 2>&1 </dev/null 9>&- \
        || die "rabbitmq-plugins enable rabbitmq_management failed; see $LOG_DIR/rabbitmq-start.log"
    fi
    log "RabbitMQ: starting (rabbitmq-server -detached; it takes a while to boot)"
    # The Debian wrapper runs the server as the rabbitmq user; su keeps these variables.
    local env_args=()
    if [[ $BILLING_RABBIT_PORT != 5672 ]]; then
      env_args+=("RABBITMQ_NODE_PORT=$BILLING_RABBIT_PORT")
    fi
    if [[ $BILLING_RABBIT_MGMT_PORT != 15672 ]]; then
      env_args+=("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-} -rabbitmq_management tcp_config [{port,$BILLING_RABBIT_MGMT_PORT}]")
    fi
    as_root env "${env_args[@]}" rabbitmq-server -detached \
      >>"$LOG_DIR/rabbitmq-start.log" 2>&1 </dev/null 9>&- \
      || die "rabbitmq-server -detached failed; see $LOG_DIR/rabbitmq-start.log and $RABBIT_LOG_DIR/"
    mark_started rabbitmq
    started=1
  fi
  # The AMQP listener opens near the end of the boot.
  wait_until "$BILLING_RABBIT_TIMEOUT" rabbit_amqp_answers \
    || die "RabbitMQ did not answer on $LOCALHOST:$BILLING_RABBIT_PORT within ${BILLING_RABBIT_TIMEOUT}s; see $RABBIT_LOG_DIR/ and $LOG_DIR/rabbitmq-start.log"
  if ((started)); then
    as_root timeout 60 rabbitmqctl -q await_startup >/dev/null 2>&1 \
      || die "RabbitMQ answers on $BILLING_RABBIT_PORT but 'rabbitmqctl await_startup' failed; see $RABBIT_LOG_DIR/"
  fi
  wait_until 60 rabbit_mgmt_port_open \
    || die "RabbitMQ management UI does not listen on $LOCALHOST:$BILLING_RABBIT_MGMT_PORT; is rabbitmq_management enabled (/etc/rabbitmq/enabled_plugins)? see $RABBIT_LOG_DIR/"
  rabbit_ensure_user
  rabbit_statistics_interval
  wait_until 60 rabbit_mgmt_answers \
    || die "RabbitMQ management API did not answer on http://$LOCALHOST:$BILLING_RABBIT_MGMT_PORT/api/overview (as $BILLING_RABBIT_USER); is rabbitmq_management enabled? see $RABBIT_LOG_DIR/"
  rabbit_user_ok || die "RabbitMQ: user $BILLING_RABBIT_USER lacks the administrator tag or rights on vhost $BILLING_RABBIT_VHOST"
}

# ---------------------------------------------------------------- native: mail sink

mailsink_pid_alive() {
  local pid
  [[ -f $MAILSINK_PID_FILE ]] || return 1
  pid=$(<"$MAILSINK_PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q aiosmtpd
}

up_mailsink() {
  mkdir -p "$BILLING_MAIL_DIR"/{tmp,new,cur}
  if smtp_answers; then
    log "mail sink already answers on $LOCALHOST:$BILLING_SMTP_PORT"
    # A sink started from another checkout writes to its Maildir: say where, so tests read the right one.
    local running
    running="$(pgrep -a -f 'aiosmtpd.handlers.Mailbox' | head -n1 | awk '{print $NF}')" || true
    if [[ -n "$running" && -d "$running/new" && "$(readlink -f "$running")" != "$(readlink -f "$BILLING_MAIL_DIR")" ]]; then
      log "  it writes to $running (recorded in $STACK_DIR/mail-dir for the tests)"
      echo "$running" >"$STACK_DIR/mail-dir"
    else
      rm -f "$STACK_DIR/mail-dir"
    fi
    return 0
  fi
  rm -f "$STACK_DIR/mail-dir"
  "$BILLING_SYSTEM_PYTHON" -c 'import aiosmtpd' 2>/dev/null \
    || die "$BILLING_SYSTEM_PYTHON cannot import aiosmtpd (package python3-aiosmtpd)"
  local logf="$LOG_DIR/mailsink.log"
  log "mail sink: starting aiosmtpd on $LOCALHOST:$BILLING_SMTP_PORT -> $BILLING_MAIL_DIR"
  # Not a process-group leader here, so setsid execs in place and $! is python's pid.
  # Its own session + nohup: it survives this shell and its terminal going away.
  setsid nohup "$BILLING_SYSTEM_PYTHON" -m aiosmtpd -n -l "$LOCALHOST:$BILLING_SMTP_PORT" \
    -c aiosmtpd.handlers.Mailbox "$BILLING_MAIL_DIR" >>"$logf" 2>&1 </dev/null 9>&- &
  local pid=$!
  printf '%s\n' "$pid" >"$MAILSINK_PID_FILE"
  mark_started mailsink
  if ! wait_until "$BILLING_SMTP_TIMEOUT" smtp_answers; then
    kill "$pid" 2>/dev/null || true
    die "mail sink did not answer on $LOCALHOST:$BILLING_SMTP_PORT within ${BILLING_SMTP_TIMEOUT}s; see $logf"
  fi
  disown "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- provider stand-in

providers_pid_alive() {
  local pid
  [[ -f $PROVIDERS_PID_FILE ]] || return 1
  pid=$(<"$PROVIDERS_PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q Billing.Providers.StandIn
}

# The stand-in's Release build output (bin/Release/<target framework>/), empty if there is none.
providers_dll() {
  local dll
  for dll in "$PROVIDERS_PROJECT"/bin/Release/*/Billing.Providers.StandIn.dll; do
    [[ -f $dll ]] && { printf '%s' "$dll"; return 0; }
  done
}

# True when the given dll is missing or anything the stand-in is built from is newer.
providers_sources_newer_than() {
  local dll=$1
  [[ -f $dll ]] || return 0
  [[ -n $(find "$PROVIDERS_PROJECT" \( -name bin -o -name obj \) -prune -o -type f -newer "$dll" -print -quit) ]] && return 0
  [[ -n $(find "$REPO_ROOT/global.json" "$REPO_ROOT/Directory.Build.props" "$REPO_ROOT/Directory.Packages.props" \
    -newer "$dll" -print -quit 2>/dev/null) ]]
}

providers_build_stale() { providers_sources_newer_than "$(providers_dll)"; }

# The running copy (started by this script) is older than the stand-in's sources: a pull or an edit since it started.
providers_running_stale() {
  providers_pid_alive && providers_sources_newer_than "$PROVIDERS_RUN_DIR/Billing.Providers.StandIn.dll"
}

up_providers() {
  if providers_answer && providers_running_stale; then
    local old; old=$(<"$PROVIDERS_PID_FILE")
    log "provider stand-in (pid $old) runs an older build than its sources; restarting it"
    kill "$old" 2>/dev/null || true
    wait_until 10 pid_gone "$old" || kill -9 "$old" 2>/dev/null || true
  fi
  if providers_answer; then
    log "provider stand-in already answers on http://$LOCALHOST:$BILLING_PROVIDERS_PORT"
    return 0
  fi
  if providers_pid_alive; then
    log "provider stand-in (pid $(<"$PROVIDERS_PID_FILE")) is running but not answering yet; waiting"
  else
    port_open "$LOCALHOST" "$BILLING_PROVIDERS_PORT" \
      && die "something other than the provider stand-in listens on $LOCALHOST:$BILLING_PROVIDERS_PORT (set BILLING_PROVIDERS_PORT)"
    command -v dotnet >/dev/null 2>&1 || die "the provider stand-in needs the .NET SDK (dotnet), which is not on PATH"
    if providers_build_stale; then
      log "provider stand-in: building (dotnet build src/Billing.Providers.StandIn -c Release)"
      # 9>&-: the build servers dotnet leaves running must not hold the lock.
      dotnet build "$PROVIDERS_PROJECT" -c Release --nologo >"$LOG_DIR/providers-build.log" 2>&1 </dev/null 9>&- \
        || die "the provider stand-in did not build; see $LOG_DIR/providers-build.log"
    fi
    local dll; dll=$(providers_dll)
    [[ -n $dll ]] || die "no Billing.Providers.StandIn.dll under $PROVIDERS_PROJECT/bin/Release after the build"
    # Run a copy: building the solution rewrites bin/ in place, under a running process's feet.
    rm -rf "$PROVIDERS_RUN_DIR"
    cp -R "$(dirname "$dll")" "$PROVIDERS_RUN_DIR"
    local logf="$LOG_DIR/providers.log"
    log "provider stand-in: starting on http://$LOCALHOST:$BILLING_PROVIDERS_PORT"
    # Same detaching as the mail sink: $! is dotnet's pid, and it outlives this shell.
    setsid nohup dotnet "$PROVIDERS_RUN_DIR/Billing.Providers.StandIn.dll" \
      --urls "http://$LOCALHOST:$BILLING_PROVIDERS_PORT" --contentRoot "$PROVIDERS_RUN_DIR" \
      >>"$logf" 2>&1 </dev/null 9>&- &
    local pid=$!
    printf '%s\n' "$pid" >"$PROVIDERS_PID_FILE"
    mark_started providers
    if ! wait_until "$BILLING_PROVIDERS_TIMEOUT" providers_answer; then
      kill "$pid" 2>/dev/null || true
      die "provider stand-in did not answer on http://$LOCALHOST:$BILLING_PROVIDERS_PORT/control/ledger within ${BILLING_PROVIDERS_TIMEOUT}s; see $logf"
    fi
    disown "$pid" 2>/dev/null || true
    return 0
  fi
  wait_until "$BILLING_PROVIDERS_TIMEOUT" providers_answer \
    || die "provider stand-in (pid $(<"$PROVIDERS_PID_FILE")) did not answer on http://$LOCALHOST:$BILLING_PROVIDERS_PORT/control/ledger within ${BILLING_PROVIDERS_TIMEOUT}s; see $LOG_DIR/providers.log"
}

# ---------------------------------------------------------------- object store (s3rver)

s3_answers() {
  # Any HTTP answer from s3rver itself (an anonymous request gets an S3 error document).
  curl -sS --max-time 5 "http://$LOCALHOST:$BILLING_S3_PORT/" 2>/dev/null | grep -q '<'
}

s3_pid_alive() {
  local pid
  [[ -f $S3_PID_FILE ]] || return 1
  pid=$(<"$S3_PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q s3rver
}

# npm ci from the committed lock file, again whenever the lock file is newer than the installed copy.
s3_install() {
  local installed="$S3_INSTALL_DIR/node_modules/s3rver/bin/s3rver.js"
  if [[ -f $installed && ! "$S3_PACKAGE_DIR/package-lock.json" -nt "$installed" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    if [[ -x /usr/bin/apt-get ]]; then ensure_packages nodejs npm; else die "the object store needs Node.js and npm"; fi
  fi
  log "object store: installing s3rver (npm ci in $S3_INSTALL_DIR)"
  mkdir -p "$S3_INSTALL_DIR"
  cp "$S3_PACKAGE_DIR/package.json" "$S3_PACKAGE_DIR/package-lock.json" "$S3_INSTALL_DIR/"
  (cd "$S3_INSTALL_DIR" && npm ci --no-audit --no-fund >"$LOG_DIR/s3-install.log" 2>&1 </dev/null 9>&-) \
    || die "npm ci for s3rver failed; see $LOG_DIR/s3-install.log"
  touch "$installed"
}

up_s3() {
  if s3_answers; then
    log "object store already answers on http://$LOCALHOST:$BILLING_S3_PORT"
    return 0
  fi
  port_open "$LOCALHOST" "$BILLING_S3_PORT" \
    && die "something other than the object store listens on $LOCALHOST:$BILLING_S3_PORT (set BILLING_S3_PORT)"
  s3_install
  mkdir -p "$S3_DATA_DIR"
  local logf="$LOG_DIR/s3.log"
  log "object store: starting s3rver on http://$LOCALHOST:$BILLING_S3_PORT (bucket $BILLING_S3_BUCKET, data in $S3_DATA_DIR)"
  # Same detaching as the mail sink: $! is node's pid, and it outlives this shell.
  setsid nohup node "$S3_INSTALL_DIR/node_modules/s3rver/bin/s3rver.js" -d "$S3_DATA_DIR" -a "$LOCALHOST" -p "$BILLING_S3_PORT" \
    --silent --configure-bucket "$BILLING_S3_BUCKET" >>"$logf" 2>&1 </dev/null 9>&- &
  local pid=$!
  printf '%s\n' "$pid" >"$S3_PID_FILE"
  mark_started s3
  if ! wait_until "$BILLING_S3_TIMEOUT" s3_answers; then
    kill "$pid" 2>/dev/null || true
    die "object store did not answer on http://$LOCALHOST:$BILLING_S3_PORT within ${BILLING_S3_TIMEOUT}s; see $logf"
  fi
  disown "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- native: chromium

check_chromium() {
  chromium_version >/dev/null \
    || die "Chromium does not run: '$BILLING_CHROMIUM --version' failed (package chromium)"
  chromium_shell_version >/dev/null \
    || die "the headless shell does not run: '$BILLING_CHROMIUM_SHELL --version' failed (package chromium-headless-shell)"
}

up_native() {
  ensure_packages "${NATIVE_PACKAGES[@]}"
  up_postgres
  up_rabbitmq
  up_mailsink
  check_chromium
}

# ---------------------------------------------------------------- commands

use_docker() {
  case $BILLING_STACK_MODE in
    docker) docker_engine_answers || die "BILLING_STACK_MODE=docker but no Docker engine answers"; return 0 ;;
    native) return 1 ;;
    auto)   docker_engine_answers ;;
    *)      die "BILLING_STACK_MODE must be auto, docker or native (not '$BILLING_STACK_MODE')" ;;
  esac
}

summary() {
  local chromium shell
  chromium=$(chromium_version || echo "NOT WORKING ($BILLING_CHROMIUM)")
  shell=$(chromium_shell_version || echo "NOT WORKING ($BILLING_CHROMIUM_SHELL)")
  cat <<EOF

Billing stack is up:
  PostgreSQL  Host=$LOCALHOST;Port=$BILLING_PG_PORT;Database=$BILLING_DB_NAME;Username=$BILLING_DB_USER;Password=$BILLING_DB_PASSWORD
  RabbitMQ    amqp://$BILLING_RABBIT_USER:$BILLING_RABBIT_PASSWORD@$LOCALHOST:$BILLING_RABBIT_PORT  management: http://$LOCALHOST:$BILLING_RABBIT_MGMT_PORT/
  Mail sink   smtp://$LOCALHOST:$BILLING_SMTP_PORT -> $(cat "$STACK_DIR/mail-dir" 2>/dev/null || echo "$BILLING_MAIL_DIR")/new/
  Providers   http://$LOCALHOST:$BILLING_PROVIDERS_PORT (stand-in: card + swish refunds, /control/ledger, /control/faults/{method})
  S3          http://$LOCALHOST:$BILLING_S3_PORT (s3rver, path-style, bucket $BILLING_S3_BUCKET, key S3RVER/S3RVER)
  Chromium    $chromium; statements: $shell
  Started by this script (stopped by 'down'): $( [[ -s $STARTED_FILE ]] && paste -sd ' ' "$STARTED_FILE" || echo nothing)
EOF
}

cmd_up() {
  take_lock
  if use_docker; then
    log "Docker engine answers: using $COMPOSE_FILE"
    up_docker
  else
    log "no Docker engine: using local packages"
    up_native
  fi
  # A local process in both modes: it starts in seconds, while compose's "providers" service needs the whole image built.
  up_providers
  up_s3
  summary
}

# stop_recorded LABEL PID_FILE ALIVE_CHECK: stops a local process this script started and recorded by its pid.
stop_recorded() {
  local label=$1 pid_file=$2 alive=$3 pid
  if "$alive"; then
    pid=$(<"$pid_file")
    log "stopping $label (pid $pid)"
    kill "$pid" 2>/dev/null || true
    wait_until 10 pid_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
  else
    log "$label (pid file $pid_file) is not running"
  fi
  rm -f "$pid_file"
}

cmd_down() {
  take_lock
  if [[ ! -s $STARTED_FILE ]]; then
    log "nothing was started by scripts/stack.sh; nothing to stop"
    rm -f "$STARTED_FILE"
    return 0
  fi
  local failed=0 component components
  # Reverse order of starting. Read the list up front: the stop commands must not
  # eat a loop's stdin.
  mapfile -t components < <(tac "$STARTED_FILE")
  for component in "${components[@]}"; do
    case $component in
      s3) stop_recorded "object store" "$S3_PID_FILE" s3_pid_alive ;;
      providers) stop_recorded "provider stand-in" "$PROVIDERS_PID_FILE" providers_pid_alive ;;
      mailsink) stop_recorded "mail sink" "$MAILSINK_PID_FILE" mailsink_pid_alive ;;
      rabbitmq)
        if rabbit_node_pings || rabbit_amqp_answers; then
          log "stopping RabbitMQ"
          as_root rabbitmqctl stop >/dev/null 2>&1 </dev/null 9>&- || { warn "rabbitmqctl stop failed"; failed=1; }
          wait_until 30 rabbit_amqp_closed \
            || { warn "RabbitMQ still answers on $BILLING_RABBIT_PORT"; failed=1; }
        else
          log "RabbitMQ is not running"
        fi
        ;;
      postgres)
        if pg_cluster_online; then
          log "stopping PostgreSQL $BILLING_PG_VERSION/$BILLING_PG_CLUSTER"
          as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" stop </dev/null 9>&- \
            || { warn "pg_ctlcluster stop failed"; failed=1; }
        else
          log "PostgreSQL $BILLING_PG_VERSION/$BILLING_PG_CLUSTER is not running"
        fi
        ;;
      compose)
        find_compose
        log "docker compose down"
        "${COMPOSE[@]}" down 9>&- || { warn "docker compose down failed"; failed=1; }
        ;;
      '') ;;
      *) warn "unknown entry '$component' in $STARTED_FILE; ignored" ;;
    esac
  done
  ((failed == 0)) || die "some components did not stop; $STARTED_FILE kept"
  : >"$STARTED_FILE"
  log "stopped everything scripts/stack.sh had started"
}

cmd_status() {
  local ok=0 line
  report() { # name ok? detail
    if [[ $2 == 1 ]]; then printf '  %-11s up    %s\n' "$1" "$3"; else printf '  %-11s DOWN  %s\n' "$1" "$3"; ok=1; fi
  }
  echo "Billing stack status:"
  if pg_answers; then
    if command -v psql >/dev/null 2>&1 && line=$(pg_app_login -c 'SHOW max_connections' 2>/dev/null); then
      report PostgreSQL 1 "$LOCALHOST:$BILLING_PG_PORT, login $BILLING_DB_USER@$BILLING_DB_NAME ok, max_connections=$line"
    else
      report PostgreSQL 0 "$LOCALHOST:$BILLING_PG_PORT answers but $BILLING_DB_USER cannot log into $BILLING_DB_NAME"
    fi
  else
    report PostgreSQL 0 "$LOCALHOST:$BILLING_PG_PORT"
  fi
  if rabbit_amqp_answers; then
    if rabbit_mgmt_answers; then
      report RabbitMQ 1 "amqp $LOCALHOST:$BILLING_RABBIT_PORT, management http://$LOCALHOST:$BILLING_RABBIT_MGMT_PORT/ ok"
    else
      report RabbitMQ 0 "amqp $LOCALHOST:$BILLING_RABBIT_PORT answers, management API as $BILLING_RABBIT_USER does not"
    fi
  else
    report RabbitMQ 0 "amqp $LOCALHOST:$BILLING_RABBIT_PORT"
  fi
  if smtp_answers; then
    report "Mail sink" 1 "smtp $LOCALHOST:$BILLING_SMTP_PORT -> $BILLING_MAIL_DIR/new/ ($(find "$BILLING_MAIL_DIR/new" -type f 2>/dev/null | wc -l) messages)"
  else
    report "Mail sink" 0 "smtp $LOCALHOST:$BILLING_SMTP_PORT"
  fi
  if line=$(providers_ledger) && [[ $line == *'"payments"'* ]]; then
    report Providers 1 "http://$LOCALHOST:$BILLING_PROVIDERS_PORT stand-in, ledger: $(grep -o '"paidAt"' <<<"$line" | wc -l) paid"
  else
    report Providers 0 "http://$LOCALHOST:$BILLING_PROVIDERS_PORT"
  fi
  if s3_answers; then
    report S3 1 "http://$LOCALHOST:$BILLING_S3_PORT (s3rver)"
  else
    report S3 0 "http://$LOCALHOST:$BILLING_S3_PORT"
  fi
  if line=$(chromium_version); then report Chromium 1 "$line"; else report Chromium 0 "$BILLING_CHROMIUM --version fails"; fi
  if line=$(chromium_shell_version); then report 'PDF shell' 1 "$line"; else report 'PDF shell' 0 "$BILLING_CHROMIUM_SHELL --version fails"; fi
  printf '  started by this script: %s\n' "$( [[ -s $STARTED_FILE ]] && paste -sd ' ' "$STARTED_FILE" || echo nothing)"
  return "$ok"
}

# A routine restart of one server, as an operator or a host update does it: clients are cut off, the data stays.
# An optional second argument keeps the server down that many seconds first (an outage, not just a blip).
cmd_restart() {
  local what=${1:-} down=${2:-0}
  [[ $down =~ ^[0-9]+$ ]] || { echo "usage: $0 restart postgres|rabbitmq [seconds down]" >&2; exit 2; }
  if use_docker; then
    find_compose
    case $what in
      postgres|rabbitmq) "${COMPOSE[@]}" stop "$what" 9>&-; sleep "$down"; "${COMPOSE[@]}" start "$what" 9>&- ;;
      *) echo "usage: $0 restart postgres|rabbitmq [seconds down]" >&2; exit 2 ;;
    esac
  else
    case $what in
      postgres)
        # -m fast: disconnect the clients at once, as a restart for an update does.
        if ((down > 0)); then
          as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" stop -m fast \
            >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- || die "PostgreSQL did not stop; see $PG_LOG"
          sleep "$down"
          as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" start \
            >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- || die "PostgreSQL did not start; see $PG_LOG"
        else
          as_root pg_ctlcluster "$BILLING_PG_VERSION" "$BILLING_PG_CLUSTER" restart -m fast \
            >>"$LOG_DIR/postgres-start.log" 2>&1 </dev/null 9>&- \
            || die "PostgreSQL did not restart; see $PG_LOG"
        fi
        ;;
      rabbitmq)
        # Stopping and starting the broker application closes every connection and keeps durable queues and their
        # messages, like a node restart, in a few seconds instead of a whole Erlang boot.
        rabbitmqctl_node -q stop_app >/dev/null 2>&1 </dev/null 9>&- || die "rabbitmqctl stop_app failed"
        sleep "$down"
        rabbitmqctl_node -q start_app >/dev/null 2>&1 </dev/null 9>&- || die "rabbitmqctl start_app failed"
        rabbit_statistics_interval
        ;;
      *) echo "usage: $0 restart postgres|rabbitmq [seconds down]" >&2; exit 2 ;;
    esac
  fi
  case $what in
    postgres) wait_until "$BILLING_PG_TIMEOUT" pg_answers || die "PostgreSQL did not answer again within ${BILLING_PG_TIMEOUT}s" ;;
    rabbitmq)
      wait_until "$BILLING_RABBIT_TIMEOUT" rabbit_amqp_answers || die "RabbitMQ did not answer again within ${BILLING_RABBIT_TIMEOUT}s"
      wait_until 60 rabbit_mgmt_answers || die "RabbitMQ's management API did not answer again within 60s"
      ;;
  esac
  log "$what restarted"
}

# Each classic queue of the vhost cancels its consumers itself, telling their channels nothing (no basic.cancel): the
# channels still claim them, the queues count none, nothing is delivered. Native mode only (rabbitmqctl eval).
cmd_forget_consumers() {
  local vhost=${1:-}
  [[ -n $vhost ]] || { echo "usage: $0 forget-consumers VHOST" >&2; exit 2; }
  use_docker && die "forget-consumers needs the native broker (rabbitmqctl eval)"
  [[ $vhost =~ ^[A-Za-z0-9._/-]+$ ]] || die "forget-consumers: unexpected characters in vhost '$vhost'"
  rabbitmqctl_node -q eval "
    Forget = fun(C) ->
      {ok, Q} = rabbit_amqqueue:lookup(proplists:get_value(queue_name, C)),
      gen_server2:call(amqqueue:get_pid(Q), {basic_cancel, proplists:get_value(channel_pid, C),
        proplists:get_value(consumer_tag, C), undefined, <<\"stack.sh\">>}, infinity)
    end,
    Consumers = rabbit_amqqueue:consumers_all(<<\"$vhost\">>),
    lists:foreach(Forget, Consumers),
    length(Consumers)." </dev/null 9>&- || die "rabbitmqctl eval failed"
}

main() {
  case ${1:-} in
    up)      cmd_up ;;
    down)    cmd_down ;;
    status)  cmd_status ;;
    restart) cmd_restart "${2:-}" "${3:-0}" ;;
    forget-consumers) cmd_forget_consumers "${2:-}" ;;
    *)       echo "usage: $0 up|down|status|restart postgres|rabbitmq [seconds down]" >&2; exit 2 ;;
  esac
}

# Sourcing the file (for testing single functions) does not run anything.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
