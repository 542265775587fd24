#!/usr/bin/env bash
# Restore drill: proves that a backup of the gateway's database, restored with the crypto keys
# kept in escrow, gives a gateway whose devices still get access tokens.
#
#   1. pg_dump the running gateway's database (custom format);
#   2. pg_restore it into a new database;
#   3. start a gateway on the copy with the same GATEWAY_CRYPTO_KEYS, its background work off;
#   4. ask it, through the API, for an access token of PAIRED devices;
#   5. stop it and drop the copy (DRILL_KEEP=true keeps both copy and dump).
#
# See docs/operations.md, "Disaster recovery", for what the drill proves and what it must not do.
#
# Settings (environment):
#   PGHOST PGPORT PGUSER PGPASSWORD  the source server, as for every PostgreSQL tool (PGPASSWORD
#                                 may also come from ~/.pgpass; the gateway needs it as a variable)
#   SOURCE_DATABASE               the running gateway's database             (default c2c_gateway)
#   TARGET_PGHOST TARGET_PGPORT TARGET_PGUSER TARGET_PGPASSWORD
#                                 the server to restore onto                 (default: the source's)
#   DRILL_DATABASE                the new database; must not exist  (default SOURCE_DATABASE_drill_<time>)
#   GATEWAY_CRYPTO_KEYS           the keys the source gateway runs with (from escrow)      (required)
#   DRILL_ADMIN_KEY               an ADMIN API key valid in the source database          (required)
#   DRILL_FRAMEIO                 offline (default): Frame.io is unreachable for the drill gateway;
#                                 devices whose stored access token is still valid must get it,
#                                 devices that would need a refresh are reported, not counted.
#                                 online: GATEWAY_FRAMEIO_BASE_URL is used, refreshes happen. NEVER
#                                 with a production database against the real Frame.io: a refresh
#                                 spends the refresh token that production holds (single use).
#   DRILL_GATEWAY_COMMAND         how to start the gateway   (default: java -jar target/c2c-gateway-*.jar)
#   DRILL_PORT, DRILL_MANAGEMENT_PORT                                          (default 18080, 18081)
#   DRILL_DEVICES                 how many PAIRED devices to ask for                     (default 20)
#   DRILL_START_TIMEOUT           seconds to wait for readiness                         (default 180)
#   DRILL_WORK_DIR                where the dump and the gateway's log go    (default: a new temp dir)
#   DRILL_KEEP                    true: keep the restored database and the dump         (default false)
#
# Exit status: 0 when every asked device that could be checked got a token and at least one did.
set -euo pipefail

log() { printf '%s restore-drill: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

source_db="${SOURCE_DATABASE:-c2c_gateway}"
drill_db="${DRILL_DATABASE:-${source_db}_drill_$(date -u +%Y%m%d%H%M%S)}"
port="${DRILL_PORT:-18080}"
management_port="${DRILL_MANAGEMENT_PORT:-18081}"
devices="${DRILL_DEVICES:-20}"
start_timeout="${DRILL_START_TIMEOUT:-180}"
frameio="${DRILL_FRAMEIO:-offline}"
keep="${DRILL_KEEP:-false}"
work="${DRILL_WORK_DIR:-$(mktemp -d -t restore-drill.XXXXXX)}"
mkdir -p "$work"

[[ -n "${GATEWAY_CRYPTO_KEYS:-}" ]] || fail "GATEWAY_CRYPTO_KEYS is not set (the source gateway's keys, from escrow)"
[[ -n "${DRILL_ADMIN_KEY:-}" ]] || fail "DRILL_ADMIN_KEY is not set (an ADMIN API key of the source gateway)"
[[ "$drill_db" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "DRILL_DATABASE must be a plain lower-case name, not '$drill_db'"
[[ "$devices" =~ ^[0-9]+$ && "$devices" -ge 1 && "$devices" -le 500 ]] || fail "DRILL_DEVICES must be 1..500"
case "$frameio" in
  offline | online) ;;
  *) fail "DRILL_FRAMEIO must be offline or online, not '$frameio'" ;;
esac
if [[ "$frameio" == online && -z "${GATEWAY_FRAMEIO_BASE_URL:-}" ]]; then
  fail "DRILL_FRAMEIO=online needs GATEWAY_FRAMEIO_BASE_URL (a sandbox, never production with a production dump)"
fi
for tool in pg_dump pg_restore psql curl; do
  command -v "$tool" >/dev/null || fail "$tool not found (Debian: apt-get install postgresql-client curl)"
done

# The target server, by default the source's.
target_env=(
  PGHOST="${TARGET_PGHOST:-${PGHOST:-localhost}}"
  PGPORT="${TARGET_PGPORT:-${PGPORT:-5432}}"
  PGUSER="${TARGET_PGUSER:-${PGUSER:-$(id -un)}}"
  PGPASSWORD="${TARGET_PGPASSWORD:-${PGPASSWORD:-}}"
)
target() { env "${target_env[@]}" "$@"; }
target_value() { local name="$1="; for pair in "${target_env[@]}"; do [[ "$pair" == "$name"* ]] && printf '%s' "${pair#"$name"}"; done; }

psql_source() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$source_db" "$@"; }
psql_target() { target psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# pg_dump refuses a server of a newer major version than its own; say so before starting.
dump_major=$(pg_dump --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
server_major=$(( $(psql_source -c 'show server_version_num') / 10000 ))
(( dump_major >= server_major )) \
  || fail "pg_dump $dump_major is older than the source server's PostgreSQL $server_major: install postgresql-client-$server_major"
restore_major=$(pg_restore --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
target_major=$(( $(psql_target -d postgres -c 'show server_version_num') / 10000 ))
(( target_major >= server_major )) \
  || fail "the target server runs PostgreSQL $target_major, older than the source's $server_major"

gateway_pid=""
created=false
cleanup() {
  local status=$?
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    log "stopping the drill gateway (pid $gateway_pid)"
    kill -TERM "$gateway_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [[ "$created" == true && "$keep" != true ]]; then
    psql_target -d postgres -c "drop database if exists \"$drill_db\" with (force)" || log "could not drop $drill_db"
    rm -f "$work/gateway.dump"
  fi
  rm -f "$work/authorization"
  if [[ "$keep" == true ]]; then
    log "kept: database $drill_db, dump $work/gateway.dump"
  fi
  exit "$status"
}
trap cleanup EXIT

# 1. Dump. Custom format: compressed, restorable in parallel and selectively.
log "dumping $source_db (pg_dump $dump_major, server $server_major) to $work/gateway.dump"
started=$(date +%s)
pg_dump --format=custom --no-owner --no-privileges --file="$work/gateway.dump" --dbname="$source_db"
source_paired=$(psql_source -c "select count(*) from device where state = 'PAIRED'")
log "dump done in $(( $(date +%s) - started )) s, $(du -k "$work/gateway.dump" | cut -f1) KiB; $source_paired PAIRED devices in the source now"

# 2. Restore into a new database.
log "restoring into $drill_db on $(target_value PGHOST):$(target_value PGPORT) (pg_restore $restore_major, server $target_major)"
started=$(date +%s)
psql_target -d postgres -c "create database \"$drill_db\""
created=true
target pg_restore --no-owner --no-privileges --exit-on-error --dbname="$drill_db" "$work/gateway.dump"
restored_paired=$(psql_target -d "$drill_db" -c "select count(*) from device where state = 'PAIRED'")
log "restore done in $(( $(date +%s) - started )) s; $restored_paired PAIRED devices in the copy"

# 3. A gateway on the copy. Its background work is off: it must not poll pending pairings (Frame.io
# hands tokens out once, production would lose them), refresh idle devices, revoke, prune or look up.
if [[ -n "${DRILL_GATEWAY_COMMAND:-}" ]]; then
  read -r -a command <<<"$DRILL_GATEWAY_COMMAND"
else
  jars=(target/c2c-gateway-*.jar)
  [[ -f "${jars[0]}" ]] || fail "no target/c2c-gateway-*.jar: build it (./mvnw package) or set DRILL_GATEWAY_COMMAND"
  command=(java -jar "${jars[0]}")
fi
drill_env=(
  SPRING_DATASOURCE_URL="jdbc:postgresql://$(target_value PGHOST):$(target_value PGPORT)/$drill_db"
  SPRING_DATASOURCE_USERNAME="$(target_value PGUSER)"
  SPRING_DATASOURCE_PASSWORD="$(target_value PGPASSWORD)"
  SPRING_PROFILES_ACTIVE=""
  SERVER_PORT="$port"
  MANAGEMENT_SERVER_PORT="$management_port"
  GATEWAY_INSTANCE_ID="restore-drill"
  GATEWAY_POLLING_ENABLED=false
  GATEWAY_TOKENS_KEEP_ALIVE_ENABLED=false
  GATEWAY_TOKENS_REVOCATION_RETRY_ENABLED=false
  GATEWAY_PAIRINGS_FRAMEIO_DEVICE_ENABLED=false
  GATEWAY_RETENTION_ENABLED=false
  GATEWAY_CRYPTO_ROTATION_INITIAL_DELAY=365d
)
if [[ "$frameio" == offline ]]; then
  # Port 9 (discard) on loopback: every upstream call fails at once. A stored access token is handed
  # out as long as it is valid at all, so the check needs no refresh.
  drill_env+=(GATEWAY_FRAMEIO_BASE_URL=http://127.0.0.1:9 GATEWAY_FRAMEIO_ALLOW_INSECURE_BASE_URL=true
    GATEWAY_TOKENS_MIN_VALIDITY=1s)
fi
log "starting the drill gateway: ${command[0]} ... ${command[${#command[@]}-1]} (API :$port, management :$management_port, Frame.io $frameio)"
env "${drill_env[@]}" "${command[@]}" >"$work/gateway.log" 2>&1 &
gateway_pid=$!

deadline=$(( $(date +%s) + start_timeout ))
until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$management_port/actuator/health/readiness")" == 200 ]]; do
  kill -0 "$gateway_pid" 2>/dev/null || { tail -n 30 "$work/gateway.log" >&2; gateway_pid=""; fail "the drill gateway exited before it was ready"; }
  (( $(date +%s) < deadline )) || { tail -n 30 "$work/gateway.log" >&2; fail "the drill gateway was not ready within $start_timeout s"; }
  sleep 1
done
log "drill gateway ready"

# 4. Access tokens, through the API, as an operator would ask for them.
# The key goes to curl in a file, not on its command line, where any user could read it with ps.
(umask 077 && printf 'Authorization: Bearer %s\n' "$DRILL_ADMIN_KEY" >"$work/authorization")
api() { curl -s -H @"$work/authorization" -H 'Content-Type: application/json' "$@"; }
listing=$(api -w '\n%{http_code}' "http://127.0.0.1:$port/api/v1/devices?state=PAIRED&limit=$devices")
[[ "${listing##*$'\n'}" == 200 ]] || fail "GET /api/v1/devices answered ${listing##*$'\n'}: is DRILL_ADMIN_KEY an ADMIN key of this database?"
mapfile -t ids < <(grep -o '"deviceId":"[^"]*"' <<<"${listing%$'\n'*}" | cut -d'"' -f4)
(( ${#ids[@]} > 0 )) || fail "the restored database has no PAIRED device to check"

ok=0; failed=0; unchecked=0
for id in "${ids[@]}"; do
  answer=$(api -X POST -w '\n%{http_code}' "http://127.0.0.1:$port/api/v1/devices/$id/access-token")
  status="${answer##*$'\n'}"; body="${answer%$'\n'*}"
  code=$(grep -o '"code":"[^"]*"' <<<"$body" | cut -d'"' -f4 || true)
  if [[ "$status" == 200 ]]; then
    ok=$(( ok + 1 ))
    printf 'ok         %s  expiresAt %s\n' "$id" "$(grep -o '"expiresAt":"[^"]*"' <<<"$body" | cut -d'"' -f4)"
  elif [[ "$frameio" == offline && ( "$code" == upstream_unavailable || "$code" == upstream_rate_limited ) ]]; then
    unchecked=$(( unchecked + 1 ))
    printf 'unchecked  %s  its access token has expired: a refresh needs Frame.io (%s)\n' "$id" "$code"
  else
    failed=$(( failed + 1 ))
    printf 'FAILED     %s  %s %s\n' "$id" "$status" "${code:-(no problem code)}"
  fi
done

log "${#ids[@]} devices asked: $ok got a token, $failed failed, $unchecked unchecked"
(( failed == 0 )) || fail "$failed devices got no access token from the restored gateway (log: $work/gateway.log)"
(( ok > 0 )) || fail "no device could be checked; run again with DRILL_FRAMEIO=online against a sandbox"
log "passed"
