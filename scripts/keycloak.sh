#!/usr/bin/env bash
# Keycloak (OpenID Connect identity provider) for development and CI, from the Maven Central
# distribution zip (deploy/keycloak/pom.xml). No Docker. Idempotent.
#
#   scripts/keycloak.sh up|down|status|logs [N]
#
# The first `up` unzips the distribution under $JKN_STATE_DIR/keycloak, builds it once
# (`kc.sh build`: Quarkus augmentation with the build options below) and starts it with
# `kc.sh start --optimized`, importing deploy/keycloak/realm-jkn.json. Later `up`s only
# start it. When the realm file's content changes, `up` re-imports it (stop, `kc.sh import
# --override true`, start): edit the realm, run `make up`, and the running Keycloak has it.
# Data (an H2 file database) stays in $JKN_STATE_DIR/keycloak/data.
#
# Env: JKN_STATE_DIR (/var/tmp/jkn-daerah), KEYCLOAK_PORT (8180),
#      KEYCLOAK_MANAGEMENT_PORT (KEYCLOAK_PORT+1; /health), KEYCLOAK_HEAP (max heap, 384m),
#      KEYCLOAK_START_TIMEOUT seconds (300),
#      KC_BOOTSTRAP_ADMIN_USERNAME / KC_BOOTSTRAP_ADMIN_PASSWORD (admin / admin: the master
#      realm's administrator, created at the very first start; development only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${JKN_STATE_DIR:-/var/tmp/jkn-daerah}"
DIR="$STATE/keycloak"
PORT="${KEYCLOAK_PORT:-8180}"
MPORT="${KEYCLOAK_MANAGEMENT_PORT:-$((PORT + 1))}"
HEAP="${KEYCLOAK_HEAP:-384m}"
TIMEOUT="${KEYCLOAK_START_TIMEOUT:-300}"
POM="$ROOT/deploy/keycloak/pom.xml"
REALM_FILE="$ROOT/deploy/keycloak/realm-jkn.json"
REALM=jkn
ISSUER="http://127.0.0.1:$PORT/realms/$REALM"
PY="$(command -v python3 || command -v python)"
VERSION="$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$POM")"
DIST="$DIR/keycloak-$VERSION"
DIST_REAL="$(realpath -m "$DIST")"  # kc.sh names its home by its real path
ENTRY=io.quarkus.bootstrap.runner.QuarkusEntryPoint
DATA="$DIR/data"
LOGDIR="$DIR/logs"
PIDFILE="$DIR/keycloak.pid"
REALM_KEY="$DIR/realm.sha256"  # the hash of the realm file last imported

# Build-time options (`kc.sh build`; changing them here rebuilds once). Disabling features
# the stack does not use (ciba, par, device-flow, web-authn, ...) saved no measurable start
# time, so the feature set is Keycloak's default, like the city's IdP.
BUILD_OPTS=(
  --db=dev-file
  --health-enabled=true
  --metrics-enabled=false
)
# Runtime options of `kc.sh start --optimized` (`kc.sh import` logs to the console).
RUN_OPTS=(
  --cache=local
  --log=file
  "--log-file=$LOGDIR/keycloak.log"
  --log-level=INFO
)
# The issuer is pinned to 127.0.0.1:$PORT, whichever Host header a client sends, so a token
# fetched via localhost still has the iss the services expect (JKN_OIDC_ISSUER).
HTTP_OPTS=(
  --http-enabled=true
  --http-host=127.0.0.1
  "--http-port=$PORT"
  "--http-management-port=$MPORT"
  "--hostname=http://127.0.0.1:$PORT"
)
# JVM: kc.sh's defaults, but C1 only (the JIT's second tier costs CPU at start and buys
# nothing for a development IdP) and the serial GC (one small heap, no GC threads), heap
# capped by KEYCLOAK_HEAP. KEYCLOAK_JVM_OPTS replaces all of it (e.g. to measure).
JVM_OPTS="${KEYCLOAK_JVM_OPTS:--XX:MetaspaceSize=96M -XX:MaxMetaspaceSize=256m \
-Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.err.encoding=UTF-8 \
-Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError \
-Djava.security.egd=file:/dev/urandom -Djdk.tls.rejectClientInitiatedRenegotiation=true \
-Xms64m -Xmx$HEAP -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
# Class data sharing: the first run of a build records the classes it loaded into an
# archive when it stops (JDK 13+ -XX:ArchiveClassesAtExit); later starts map it and skip
# loading and verifying them (a quarter less CPU at start). KEYCLOAK_CDS=0 turns it off.
CDS="${KEYCLOAK_CDS:-1}"
CDS_QUIET="-Xlog:cds=off -Xlog:cds+dynamic=off"

say() { echo "keycloak: $*"; }
die() { echo "keycloak: ERROR: $*" >&2; exit 1; }

is_ours() {  # is pid $1 the JVM of our distribution? (no fork: find_java asks every pid)
  local args=()
  mapfile -d "" args 2>/dev/null < "/proc/$1/cmdline" || return 1
  [[ " ${args[*]} " == *" -Dkc.home.dir=$DIST_REAL/bin/.. "*" $ENTRY "* ]]
}

find_java() {  # the pid of the JVM running our distribution, if any
  local p
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    is_ours "$p" && { echo "$p"; return 0; }
  done
  return 1
}

our_pid() {  # the pid of our running server, or nothing
  local pid
  if [[ -f "$PIDFILE" ]]; then
    pid="$(cat "$PIDFILE")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && is_ours "$pid"; then
      echo "$pid"; return 0
    fi
  fi
  pid="$(find_java)" || return 1  # started by a run of this script that lost its pid file
  echo "$pid" > "$PIDFILE"
  echo "$pid"
}

# probe: "ok" when the server is ready and serves realm jkn with our issuer, "norealm" when
# it is ready without it (deleted in the admin console, say), "starting" when the management
# interface answers but is not ready, nothing (exit 1) when nothing answers at all.
probe() {
  "$PY" - "$MPORT" "$PORT" "$REALM" "$ISSUER" <<'PY' 2>/dev/null
import json, sys, urllib.error, urllib.request
mport, port, realm, issuer = sys.argv[1:]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
try:
    with opener.open(f"http://127.0.0.1:{mport}/health/ready", timeout=3):
        pass
except urllib.error.HTTPError:  # 503 while starting
    print("starting")
    sys.exit(0)
except OSError:
    sys.exit(1)
try:
    url = f"http://127.0.0.1:{port}/realms/{realm}/.well-known/openid-configuration"
    with opener.open(url, timeout=3) as r:
        ok = json.load(r).get("issuer") == issuer
except (OSError, ValueError):
    ok = False
print("ok" if ok else "norealm")
PY
}

healthy() { [[ "$(probe)" == ok ]]; }

realm_hash() { sha256sum "$REALM_FILE" | cut -d' ' -f1; }

fetch() {  # the distribution, unzipped once per version
  [[ -f "$DIST/bin/kc.sh" && -f "$DIST/lib/quarkus-run.jar" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (install Maven and a JDK 17+)"
  command -v unzip >/dev/null || die "unzip not found (apt-get install unzip)"
  mkdir -p "$LOGDIR" "$DIR/download"
  say "fetching keycloak-quarkus-dist $VERSION with Maven (cached in ~/.m2 afterwards)"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$DIR/download" > "$LOGDIR/maven.log" 2>&1 \
    || { tail -n 30 "$LOGDIR/maven.log" >&2; die "maven could not fetch the distribution ($POM)"; }
  local zip="$DIR/download/keycloak-quarkus-dist-$VERSION.zip"
  [[ -f "$zip" ]] || die "maven did not produce $zip"
  rm -rf "$DIR/unzip.tmp"
  mkdir -p "$DIR/unzip.tmp"
  unzip -q "$zip" -d "$DIR/unzip.tmp"
  rm -rf "$DIST"
  mv "$DIR/unzip.tmp/keycloak-$VERSION" "$DIST"
  rm -rf "$DIR/unzip.tmp" "$zip"
  # Data outlives the distribution (a version bump keeps users and the H2 database).
  mkdir -p "$DATA"
  rm -rf "$DIST/data"
  ln -s "$DATA" "$DIST/data"
}

kc() {  # kc.sh with our JVM options (and the class archive, when there is one)
  local opts="$JVM_OPTS"
  [[ $CDS == 1 && -f "$(cds_archive)" ]] && opts="$opts -XX:SharedArchiveFile=$(cds_archive) $CDS_QUIET"
  JAVA_OPTS="$opts" bash "$DIST/bin/kc.sh" "$@"
}

cds_archive() {  # one archive per build and JDK (the JVM ignores an archive of another)
  local jdk; jdk="$(java -version 2>&1 | sha256sum | cut -c1-8)"
  echo "$DIST/jkn-cds-$(build_key)-$jdk.jsa"
}

build_key() { printf '%s\n' "$VERSION" "${BUILD_OPTS[@]}" | sha256sum | cut -c1-16; }

build() {  # `kc.sh build` once per distribution and set of build options
  local key; key="$(build_key)"
  [[ "$(cat "$DIST/jkn-build.key" 2>/dev/null)" == "$key" ]] && return 0
  say "building the server once (Quarkus augmentation, about a minute)"
  local started=$SECONDS
  kc build "${BUILD_OPTS[@]}" > "$LOGDIR/build.log" 2>&1 \
    || { tail -n 30 "$LOGDIR/build.log" >&2; die "kc.sh build failed (see $LOGDIR/build.log)"; }
  echo "$key" > "$DIST/jkn-build.key"
  say "built in $((SECONDS - started))s"
}

tail_logs() {
  echo "---- last lines of $LOGDIR/keycloak.log ----" >&2
  tail -n 25 "$LOGDIR/keycloak.log" 2>/dev/null >&2 || true
  echo "---- last lines of $LOGDIR/keycloak.out ----" >&2
  tail -n 15 "$LOGDIR/keycloak.out" 2>/dev/null >&2 || true
}

wait_healthy() {
  local pid="$1" deadline=$((SECONDS + TIMEOUT))
  until healthy; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_logs; die "the server (pid $pid) exited during start-up"
    fi
    if (( SECONDS >= deadline )); then
      tail_logs; die "realm $REALM not served at $ISSUER after ${TIMEOUT}s (pid $pid still running)"
    fi
    sleep 0.5
  done
}

reimport() {  # the realm file changed since it was imported: replace the realm (offline)
  say "importing realm $REALM again from ${REALM_FILE#"$ROOT"/} (kc.sh import --override true)"
  local started=$SECONDS
  kc import --optimized --file "$REALM_FILE" --override true \
    > "$LOGDIR/import.log" 2>&1 \
    || { tail -n 30 "$LOGDIR/import.log" >&2; die "kc.sh import failed (see $LOGDIR/import.log)"; }
  realm_hash > "$REALM_KEY"
  rm -f "$DATA/import/realm-$REALM.json"  # left by a first start that did not finish
  say "re-imported in $((SECONDS - started))s"
}

start() {
  local import=() kcpid pid started=$SECONDS
  if [[ ! -d "$DATA/h2" ]]; then  # the very first start: import while creating the database
    mkdir -p "$DATA/import"
    cp "$REALM_FILE" "$DATA/import/realm-$REALM.json"
    import=(--import-realm)
    say "first start: creating the database and importing realm $REALM (a minute or two)"
  fi
  local hash; hash="$(realm_hash)"
  local opts="$JVM_OPTS" archive; archive="$(cds_archive)"
  if [[ $CDS == 1 && -f "$archive" ]]; then
    opts="$opts -XX:SharedArchiveFile=$archive $CDS_QUIET"
  elif [[ $CDS == 1 ]]; then  # recorded when this run stops (`down` moves it into place)
    rm -f "$DIST"/jkn-cds-*.jsa "$DIST"/jkn-cds-*.jsa.tmp
    opts="$opts -XX:ArchiveClassesAtExit=$archive.tmp $CDS_QUIET"
  fi
  say "starting on 127.0.0.1:$PORT (management $MPORT, heap $HEAP)"
  # setsid: the server outlives the shell (and make) that started it. The bootstrap admin is
  # created only with the master realm, at the very first start (development only).
  KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}" \
  KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}" \
  JAVA_OPTS="$opts" \
    setsid nohup bash "$DIST/bin/kc.sh" start --optimized "${RUN_OPTS[@]}" "${HTTP_OPTS[@]}" \
      "${import[@]}" < /dev/null > "$LOGDIR/keycloak.out" 2>&1 9>&- &
  kcpid=$!
  local deadline=$((SECONDS + 20))
  until pid="$(find_java)"; do  # kc.sh runs the JVM as its child
    kill -0 "$kcpid" 2>/dev/null || { tail_logs; die "kc.sh exited during start-up"; }
    (( SECONDS < deadline )) || { tail_logs; die "no JVM of $DIST after 20s"; }
    sleep 0.2
  done
  echo "$pid" > "$PIDFILE"
  wait_healthy "$pid"
  if (( ${#import[@]} )); then
    echo "$hash" > "$REALM_KEY"
    rm -f "$DATA/import/realm-$REALM.json"
  fi
  say "healthy in $((SECONDS - started))s (pid $pid), issuer $ISSUER"
}

up() {
  local pid
  mkdir -p "$LOGDIR"
  if pid="$(our_pid)"; then
    if [[ "$(probe || true)" == norealm ]]; then
      say "realm $REALM is gone from the running server: importing it again"
      rm -f "$REALM_KEY"
    elif ! healthy; then
      say "pid $pid is starting; waiting"; wait_healthy "$pid"
    fi
    if [[ "$(cat "$REALM_KEY" 2>/dev/null)" == "$(realm_hash)" ]]; then
      say "already running (pid $pid), issuer $ISSUER"; return 0
    fi
    down
  elif [[ -n "$(probe || true)" ]]; then
    if healthy; then
      say "a server not started by this script already serves $ISSUER; using it"; return 0
    fi
    die "something not started by this script answers on 127.0.0.1:$MPORT without realm $REALM"
  fi
  command -v java >/dev/null || die "java not found (install a JDK 17+)"
  fetch
  build
  if [[ -d "$DATA/h2" && "$(cat "$REALM_KEY" 2>/dev/null)" != "$(realm_hash)" ]]; then
    reimport
  fi
  start
}

down() {
  local pid
  if ! pid="$(our_pid)"; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  local archive killed=0
  archive="$(cds_archive)"
  if [[ $CDS == 1 && ! -f "$archive" ]]; then
    say "stopping pid $pid (it writes its class archive first: a few seconds, once)"
  else
    say "stopping pid $pid"
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline && killed == 0 )); then
      say "still alive after 60s; killing"; kill -KILL "$pid"; killed=1
    fi
    sleep 0.3
  done
  if [[ -s "$archive.tmp" && $killed == 0 ]]; then mv "$archive.tmp" "$archive"; fi
  rm -f "$archive.tmp" "$PIDFILE"
  say "stopped"
}

status() {
  local pid state
  if pid="$(our_pid)"; then
    say "process pid $pid, RSS $(( $(ps -o rss= -p "$pid") / 1024 )) MiB"
  else
    say "no server started by this script"
  fi
  state="$(probe || true)"
  case "$state" in
    ok) say "ready, issuer $ISSUER" ;;
    norealm) say "ready, but realm $REALM is not served (\`make up\` imports it)"; return 1 ;;
    starting) say "starting (127.0.0.1:$MPORT/health/ready not ready yet)"; return 1 ;;
    *) say "nothing answers on 127.0.0.1:$MPORT"; return 1 ;;
  esac
}

lock() {  # one up or down at a time (two terminals, or make and a test harness)
  mkdir -p "$DIR"
  exec 9> "$DIR/.lock"
  flock 9
}

case "${1:-}" in
  up) lock; up ;;
  down) lock; down ;;
  status) status ;;
  logs) tail -n "${2:-50}" "$LOGDIR/keycloak.log" ;;
  *) echo "usage: $0 up|down|status|logs [N]" >&2; exit 2 ;;
esac
