#!/usr/bin/env bash
# Single-node Apache Kafka 4.x in KRaft mode for development and CI, from Maven Central
# jars (deploy/kafka/pom.xml). No Docker. Idempotent.
#
#   scripts/kafka.sh up|down|status|logs
#
# Env: JKN_STATE_DIR (/var/tmp/jkn-daerah), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#      KAFKA_HEAP (1g), KAFKA_START_TIMEOUT seconds (90),
#      KAFKA_ADMIN_PASSWORD (jkn-admin-dev), KAFKA_CONTROLLER_PASSWORD (jkn-controller-dev).
#
# Who may say what (the bus enforces it, see README "Who may say what"):
# - The client listener is SASL_PLAINTEXT with SCRAM-SHA-512 only: no anonymous client.
#   Production uses SASL_SSL on the same mechanism (deploy/); locally traffic never leaves
#   127.0.0.1, so TLS would add certificates and nothing else.
# - StandardAuthorizer with allow.everyone.if.no.acl.found=false: a principal may do only
#   what an ACL allows. `python -m jkn_devstack up|topics` creates one SCRAM user per
#   service and its ACLs from the topic catalogue (contracts).
# - Super users: User:jkn-admin (the operator: topics, users, ACLs; its SCRAM credential is
#   written into the metadata log when the storage is formatted, `--add-scram`) and
#   User:jkn-controller. The controller listener stays on 127.0.0.1 and is authenticated
#   too, with SASL/PLAIN against a static JAAS user (SCRAM credentials live in the metadata
#   log that the controller serves, so they cannot protect the controller itself). Only this
#   node's broker logs in there; clients are never given its address.
# - Storage formatted before SASL (no SCRAM credential, or another admin password) is
#   detected through $DIR/storage.marker and re-formatted: this is a dev broker, and
#   `make up` re-creates the topics, users and ACLs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${JKN_STATE_DIR:-/var/tmp/jkn-daerah}"
DIR="$STATE/kafka"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP:-1g}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
ADMIN_USER="jkn-admin"
export KAFKA_ADMIN_USER="$ADMIN_USER"  # the probe logs in as the admin
export KAFKA_ADMIN_PASSWORD="${KAFKA_ADMIN_PASSWORD:-jkn-admin-dev}"
CONTROLLER_USER="jkn-controller"
CONTROLLER_PASSWORD="${KAFKA_CONTROLLER_PASSWORD:-jkn-controller-dev}"
MARKER="$DIR/storage.marker"
POM="$ROOT/deploy/kafka/pom.xml"
PROBE="$ROOT/tools/devstack/src/jkn_devstack/probe.py"
PY="$(command -v python3 || command -v python)"
PIDFILE="$DIR/kafka.pid"
LOGDIR="$DIR/logs"

say() { echo "kafka: $*"; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }

our_pid() {  # the pid of our running broker, or nothing
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q ' kafka.Kafka ' || return 1
  echo "$pid"
}

healthy() { "$PY" "$PROBE" "127.0.0.1:$PORT" >/dev/null 2>&1; }

classpath() {  # resolve the jars once; cache the classpath keyed by the pom's hash
  local key; key="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$DIR/classpath.txt" && "$(cat "$DIR/classpath.key" 2>/dev/null)" == "$key" ]]; then
    local jar ok=1
    IFS=: read -r -a jars < "$DIR/classpath.txt" || true  # no trailing newline: read says 1
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
    [[ $ok == 1 ]] && return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (install Maven and a JDK 17+)"
  say "resolving Kafka jars with Maven (cached in ~/.m2 afterwards)"
  mkdir -p "$LOGDIR"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:build-classpath \
    -Dmdep.outputFile="$DIR/classpath.txt.tmp" > "$LOGDIR/maven.log" 2>&1 \
    || { tail -n 30 "$LOGDIR/maven.log" >&2; die "maven could not resolve $POM"; }
  mv "$DIR/classpath.txt.tmp" "$DIR/classpath.txt"
  echo "$key" > "$DIR/classpath.key"
}

# What the storage must have been formatted with: the admin's SCRAM credential.
storage_fingerprint() {
  printf 'SCRAM-SHA-512\n%s\n%s\n' "$ADMIN_USER" "$KAFKA_ADMIN_PASSWORD" | sha256sum | cut -d' ' -f1
}

write_config() {  # into server.properties.next; up() decides whether it changed
  local target="$DIR/server.properties.next"
  ( umask 077; : > "$target" )  # it holds passwords: readable by us only
  cat > "$target" <<PROPS
# Written by scripts/kafka.sh on every start: edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=SASL_PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
# clients: SCRAM-SHA-512 only (credentials in the metadata log; jkn_devstack creates them)
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$KAFKA_ADMIN_PASSWORD";
# the controller listener: PLAIN against one static user, this node's broker
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$CONTROLLER_USER" password="$CONTROLLER_PASSWORD" user_$CONTROLLER_USER="$CONTROLLER_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$ADMIN_USER;User:$CONTROLLER_USER
log.dirs=$DIR/data
metadata.log.dir=$DIR/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.segment.bytes=104857600
PROPS
  cat > "$DIR/log4j2.properties" <<PROPS
# Kafka logs to files in $LOGDIR; nothing on stdout.
name=jkn-kafka
appender.file.type=RollingFile
appender.file.name=file
appender.file.fileName=$LOGDIR/server.log
appender.file.filePattern=$LOGDIR/server.log.%i
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
appender.file.policies.type=Policies
appender.file.policies.size.type=SizeBasedTriggeringPolicy
appender.file.policies.size.size=20MB
appender.file.strategy.type=DefaultRolloverStrategy
appender.file.strategy.max=3
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache.kafka
logger.apache.level=INFO
logger.request.name=kafka.request.logger
logger.request.level=WARN
logger.authorizer.name=kafka.authorizer.logger
logger.authorizer.level=WARN
logger.cleaner.name=kafka.log.LogCleaner
logger.cleaner.level=WARN
PROPS
}

tail_logs() {
  echo "---- last lines of $LOGDIR/server.log ----" >&2
  tail -n 25 "$LOGDIR/server.log" 2>/dev/null >&2 || true
  echo "---- last lines of $LOGDIR/kafka.out ----" >&2
  tail -n 15 "$LOGDIR/kafka.out" 2>/dev/null >&2 || true
}

wait_healthy() {
  local pid="$1" deadline=$((SECONDS + TIMEOUT))
  until healthy; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_logs; die "the broker (pid $pid) exited during start-up"
    fi
    if (( SECONDS >= deadline )); then
      tail_logs; die "no metadata answer from 127.0.0.1:$PORT after ${TIMEOUT}s (pid $pid still running)"
    fi
    sleep 0.5
  done
}

up() {
  local pid
  mkdir -p "$DIR/data" "$LOGDIR"
  write_config
  if pid="$(our_pid)"; then
    if cmp -s "$DIR/server.properties.next" "$DIR/server.properties"; then
      rm -f "$DIR/server.properties.next"
      if healthy; then say "already running (pid $pid) on 127.0.0.1:$PORT"; return 0; fi
      say "pid $pid is starting; waiting"; wait_healthy "$pid"; say "healthy"; return 0
    fi
    say "pid $pid runs with an older configuration (e.g. no SASL yet); restarting it"
    down
  elif healthy; then
    rm -f "$DIR/server.properties.next"
    say "a broker not started by this script already answers on 127.0.0.1:$PORT; using it"
    return 0
  fi
  mv "$DIR/server.properties.next" "$DIR/server.properties"
  command -v java >/dev/null || die "java not found (install a JDK 17+)"
  classpath
  local cp; cp="$(cat "$DIR/classpath.txt")"
  local fingerprint; fingerprint="$(storage_fingerprint)"
  if [[ -f "$DIR/data/meta.properties" && "$(cat "$MARKER" 2>/dev/null)" != "$fingerprint" ]]; then
    say "storage was formatted without the admin's SCRAM credential (or another admin password):"
    say "re-formatting this dev broker's storage; \`make up\` re-creates topics, users and ACLs"
    [[ -n "$DIR" && -d "$DIR/data" ]] && rm -rf -- "$DIR/data"
    mkdir -p "$DIR/data"
  fi
  if [[ ! -f "$DIR/data/meta.properties" ]]; then
    [[ -s "$DIR/cluster.id" ]] || java -cp "$cp" kafka.tools.StorageTool random-uuid > "$DIR/cluster.id"
    say "formatting storage (cluster id $(cat "$DIR/cluster.id")) with the admin's SCRAM credential"
    java -Dlog4j2.configurationFile="$DIR/log4j2.properties" -cp "$cp" kafka.tools.StorageTool \
      format -t "$(cat "$DIR/cluster.id")" -c "$DIR/server.properties" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$KAFKA_ADMIN_PASSWORD]" \
      >> "$LOGDIR/format.log" 2>&1 || { tail -n 20 "$LOGDIR/format.log" >&2; die "storage format failed"; }
    echo "$fingerprint" > "$MARKER"
  fi
  say "starting kafka.Kafka on 127.0.0.1:$PORT (controller $CPORT, heap $HEAP)"
  # The long options and the classpath go in a java @argfile, so that `ps` shows
  # "java -Xmx512m @.../jvm.args kafka.Kafka ..." within a terminal's width.
  {
    echo "-Xms$HEAP"
    echo "-XX:+UseG1GC"
    echo "-XX:MaxGCPauseMillis=20"
    echo "-Djava.awt.headless=true"
    echo "-Dkafka.logs.dir=$LOGDIR"
    echo "-Dlog4j2.configurationFile=$DIR/log4j2.properties"
    echo "-cp"
    echo "$cp"
  } > "$DIR/jvm.args"
  # setsid: the broker outlives the shell (and make) that started it.
  setsid nohup java "-Xmx$HEAP" "@$DIR/jvm.args" kafka.Kafka "$DIR/server.properties" \
    < /dev/null > "$LOGDIR/kafka.out" 2>&1 &
  pid=$!
  echo "$pid" > "$PIDFILE"
  wait_healthy "$pid"
  say "healthy (pid $pid), bootstrap 127.0.0.1:$PORT"
}

down() {
  local pid
  if ! pid="$(our_pid)"; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  say "stopping pid $pid"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then say "still alive after 60s; killing"; kill -KILL "$pid"; fi
    sleep 0.3
  done
  rm -f "$PIDFILE"
  say "stopped"
}

status() {
  local pid
  if pid="$(our_pid)"; then say "process kafka.Kafka pid $pid"; else say "no broker started by this script"; fi
  "$PY" "$PROBE" "127.0.0.1:$PORT"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  logs) tail -n "${2:-50}" "$LOGDIR/server.log" ;;
  *) echo "usage: $0 up|down|status|logs [N]" >&2; exit 2 ;;
esac
