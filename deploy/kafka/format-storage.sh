#!/bin/sh
# Formats the KRaft storage of the apache/kafka image ONCE, with the admin's SCRAM credential
# in the bootstrap metadata (`kafka-storage format --add-scram`): the broker takes SASL/SCRAM
# only, so the first admin must exist before any client can log in. Run as an init step
# (Kubernetes initContainer, compose one-shot service) on the broker's data volume; a no-op
# when the storage is formatted already (the image's own start-up then leaves it alone).
#
# Env: CLUSTER_ID, KAFKA_NODE_ID, KAFKA_CONTROLLER_QUORUM_VOTERS, KAFKA_LOG_DIRS,
#      KAFKA_ADMIN_PASSWORD (from a Secret), KAFKA_STORAGE (kafka-storage.sh of the image).
set -eu
: "${CLUSTER_ID:?}" "${KAFKA_NODE_ID:?}" "${KAFKA_CONTROLLER_QUORUM_VOTERS:?}"
: "${KAFKA_LOG_DIRS:?}" "${KAFKA_ADMIN_PASSWORD:?}"
if [ -f "$KAFKA_LOG_DIRS/meta.properties" ]; then
  echo "format-storage: $KAFKA_LOG_DIRS is formatted already"
  exit 0
fi
props="$(mktemp)"
trap 'rm -f "$props"' EXIT
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_CONTROLLER_QUORUM_VOTERS
controller.listener.names=CONTROLLER
listeners=SASL_SSL://:9092,CONTROLLER://:9093
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
log.dirs=$KAFKA_LOG_DIRS
PROPS
"${KAFKA_STORAGE:-/opt/kafka/bin/kafka-storage.sh}" format --ignore-formatted \
  -t "$CLUSTER_ID" -c "$props" \
  --add-scram "SCRAM-SHA-512=[name=jkn-admin,password=$KAFKA_ADMIN_PASSWORD]"
echo "format-storage: formatted $KAFKA_LOG_DIRS with the jkn-admin SCRAM credential"
