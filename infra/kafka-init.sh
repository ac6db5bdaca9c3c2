#!/bin/sh
# One-shot topic creation for docker-compose.yml: the suite never relies on broker auto-creation.
# TOPICS (space-separated), PARTITIONS, REPLICATION_FACTOR and BOOTSTRAP_SERVERS come from the compose file.
set -eu
: "${TOPICS:?}" "${PARTITIONS:?}" "${REPLICATION_FACTOR:=1}" "${BOOTSTRAP_SERVERS:=kafka:9092}"
KAFKA_TOPICS=/opt/kafka/bin/kafka-topics.sh

for topic in $TOPICS; do
    "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
        --topic "$topic" --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR"
done
existing=$("$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP_SERVERS" --list)
for topic in $TOPICS; do
    printf '%s\n' "$existing" | grep -qxF "$topic" || { echo "topic $topic is missing" >&2; exit 1; }
done
echo "topics ready: $TOPICS"
