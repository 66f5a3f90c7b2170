#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/*.env files.
# gpufleet-multinode: this host's rank in its multi-node group, and the group's leader, before its engine starts.
# A group is two auto scaling groups in the pool's cluster placement group: the leader's (one instance, rank 0, the
# only one behind the load balancer) and the workers' (nodes - 1 instances). Each propagates the tags
# gpufleet:group=<stack>/<pool>/<k> and gpufleet:node-role=leader|worker to its instances; ranks follow from them:
# the leader is 0, the workers 1 … nodes-1 by launch time, then instance id. Only ec2:DescribeInstances is used.
#   gpufleet-multinode exec CMD…  waits until the group is whole (one leader, nodes-1 workers, each with an address),
#                                 records the ranks, waits for the leader's rendezvous port on workers, then runs
#                                 CMD with the engine's rank flags appended (the replica unit's ExecStart).
#   gpufleet-multinode discover   one look at the group: prints the ranks, or why the group is not whole (exit 1).
#   gpufleet-multinode check      run by gpufleet-watchdog: restarts the replica units when the group's members or
#                                 leader differ from those the engine started with (a replaced instance).
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-multinode
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"
# shellcheck source=/dev/null
. "$GPUFLEET_ETC/multinode.env"

RANKS="$GPUFLEET_STATE/multinode.env"
mkdir -p "$GPUFLEET_STATE"
POLL="${GPUFLEET_MN_POLL_SECONDS:-10}"

instance_id() {
  local token
  token="$(curl -sf -m 5 -X PUT "$GPUFLEET_IMDS_ENDPOINT/latest/api/token" \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')" || return 1
  curl -sf -m 5 -H "X-aws-ec2-metadata-token: $token" "$GPUFLEET_IMDS_ENDPOINT/latest/meta-data/instance-id"
}

# DescribeInstances JSON on stdin -> one line per instance: id, launch time, private address, state, group, role.
instances_tsv() {
  python3 -c '
import json, sys
group_tag, role_tag = sys.argv[1], sys.argv[2]
for reservation in json.load(sys.stdin).get("Reservations", []):
    for i in reservation.get("Instances", []):
        tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
        print("\t".join([i["InstanceId"], i.get("LaunchTime") or "-", i.get("PrivateIpAddress") or "-",
                         i.get("State", {}).get("Name", "-"), tags.get(group_tag, "-"), tags.get(role_tag, "-")]))
' "$GPUFLEET_MN_GROUP_TAG" "$GPUFLEET_MN_ROLE_TAG"
}

describe_instances() {
  aws ec2 describe-instances --region "$GPUFLEET_REGION" --output json "$@" | instances_tsv
}

# One look at the group. Prints "<self rank> <leader address> <group> <member ids in rank order>" on stdout; else why
# on stderr, with status 1 (the group is not whole), 2 (this host belongs to no group) or 3 (IMDS or EC2 did not
# answer: try again).
discover_once() {
  local self own group role members leader workers count
  self="$(instance_id)" || {
    echo "IMDS did not answer this instance's id" >&2
    return 3
  }
  own="$(describe_instances --instance-ids "$self")" || {
    echo "ec2 describe-instances failed for $self" >&2
    return 3
  }
  group="$(awk -F '\t' -v id="$self" '$1 == id { print $5 }' <<<"$own")"
  role="$(awk -F '\t' -v id="$self" '$1 == id { print $6 }' <<<"$own")"
  if [ -z "$group" ] || [ "$group" = - ] || { [ "$role" != leader ] && [ "$role" != worker ]; }; then
    echo "instance $self has no $GPUFLEET_MN_GROUP_TAG / $GPUFLEET_MN_ROLE_TAG tags: it was not launched by a gpufleet multi-node group" >&2
    return 2
  fi
  members="$(describe_instances --filters "Name=tag:$GPUFLEET_MN_GROUP_TAG,Values=$group" \
    Name=instance-state-name,Values=pending,running)" || {
    echo "ec2 describe-instances failed for group $group" >&2
    return 3
  }
  leader="$(awk -F '\t' '$6 == "leader"' <<<"$members")"
  workers="$(awk -F '\t' '$6 == "worker"' <<<"$members" | sort -t "$(printf '\t')" -k2,2 -k1,1)"
  count="$(grep -c . <<<"$leader" || true)"
  if [ "$count" -ne 1 ]; then
    echo "group $group has $count leader instance(s), waiting for exactly 1" >&2
    return 1
  fi
  count="$(grep -c . <<<"$workers" || true)"
  if [ "$count" -ne $((GPUFLEET_MN_NODES - 1)) ]; then
    echo "group $group has $count worker instance(s) of $((GPUFLEET_MN_NODES - 1))" >&2
    return 1
  fi
  if awk -F '\t' '$3 == "-" { bad = 1 } END { exit !bad }' <<<"$leader"$'\n'"$workers"; then
    echo "group $group: an instance has no private address yet" >&2
    return 1
  fi
  awk -F '\t' -v self="$self" -v group="$group" '
    BEGIN { n = 0 }
    NF >= 6 { ids[n] = $1; if (n == 0) addr = $3; if ($1 == self) rank = n; n++ }
    END {
      if (rank == "") { print "instance " self " is not among the running members of group " group > "/dev/stderr"; exit 1 }
      line = rank " " addr " " group
      for (i = 0; i < n; i++) line = line " " ids[i]
      print line
    }' <<<"$leader"$'\n'"$workers"
}

# Waits until the group is whole, then records the ranks for the unit and the check.
wait_for_group() {
  local deadline out status=0 why=""
  deadline=$(($(date +%s) + GPUFLEET_MN_WAIT_SECONDS))
  while :; do
    status=0
    out="$(discover_once 2>"$GPUFLEET_STATE/multinode-why")" || status=$?
    why="$(tr '\n' ' ' <"$GPUFLEET_STATE/multinode-why")"
    if [ "$status" -eq 0 ]; then break; fi
    [ "$status" -ne 2 ] || gf_fatal "$why"
    if [ "$(date +%s)" -ge "$deadline" ]; then
      gf_fatal "the multi-node group is not whole after ${GPUFLEET_MN_WAIT_SECONDS}s: $why"
    fi
    gf_log "waiting for the group: $why"
    sleep "$POLL"
  done
  read -r rank leader group members <<<"$out"
  {
    printf 'GPUFLEET_NODE_RANK=%s\n' "$rank"
    printf 'GPUFLEET_LEADER_ADDR=%s\n' "$leader"
    printf 'GPUFLEET_GROUP=%s\n' "$group"
    printf 'GPUFLEET_MEMBERS="%s"\n' "$members"
  } >"$RANKS.tmp"
  mv -f "$RANKS.tmp" "$RANKS"
  gf_log "group $group: rank $rank of $GPUFLEET_MN_NODES, leader $leader (members in rank order: $members)"
}

wait_for_leader_port() {
  local deadline
  deadline=$(($(date +%s) + GPUFLEET_MN_WAIT_SECONDS))
  until timeout 3 bash -c "exec 3<>/dev/tcp/$GPUFLEET_LEADER_ADDR/$GPUFLEET_MN_PORT" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      gf_fatal "the leader $GPUFLEET_LEADER_ADDR does not answer on its rendezvous port $GPUFLEET_MN_PORT after ${GPUFLEET_MN_WAIT_SECONDS}s"
    fi
    gf_log "waiting for the leader $GPUFLEET_LEADER_ADDR to open port $GPUFLEET_MN_PORT"
    sleep "$POLL"
  done
}

run_engine() {
  local addr args=() workers=()
  [ "$#" -gt 0 ] || gf_fatal "usage: gpufleet-multinode exec CMD…"
  rm -f "$RANKS"
  wait_for_group
  # shellcheck source=/dev/null
  . "$RANKS"
  addr="$GPUFLEET_LEADER_ADDR"
  if [ "$GPUFLEET_MN_ADDR_FORMAT" = host:port ]; then addr="$addr:$GPUFLEET_MN_PORT"; fi
  args=("$GPUFLEET_MN_RANK_FLAG" "$GPUFLEET_NODE_RANK" "$GPUFLEET_MN_ADDR_FLAG" "$addr")
  if [ -n "$GPUFLEET_MN_PORT_FLAG" ]; then args+=("$GPUFLEET_MN_PORT_FLAG" "$GPUFLEET_MN_PORT"); fi
  if [ "$GPUFLEET_NODE_RANK" -ne 0 ]; then
    read -r -a workers <<<"$GPUFLEET_MN_WORKER_FLAGS"
    args+=("${workers[@]}")
    wait_for_leader_port
  fi
  gf_log "starting rank $GPUFLEET_NODE_RANK: ${args[*]}"
  exec "$@" "${args[@]}"
}

# Restarts the replicas when the group changed under a running engine (NCCL cannot take a new member in).
check_group() {
  local out status=0 rank leader group members name
  [ -e "$RANKS" ] || return 0 # the engine is waiting for its group (exec) or not started yet
  # shellcheck source=/dev/null
  . "$RANKS"
  out="$(discover_once 2>"$GPUFLEET_STATE/multinode-why")" || status=$?
  if [ "$status" -eq 0 ]; then
    read -r rank leader group members <<<"$out"
    if [ "$members" = "$GPUFLEET_MEMBERS" ] && [ "$leader" = "$GPUFLEET_LEADER_ADDR" ]; then
      return 0
    fi
    gf_log "group $group changed (members $GPUFLEET_MEMBERS -> $members, leader $GPUFLEET_LEADER_ADDR -> $leader): restarting the engine with its new rank"
  elif [ "$status" -eq 1 ]; then
    gf_log "group $GPUFLEET_GROUP lost a member ($(tr '\n' ' ' <"$GPUFLEET_STATE/multinode-why")): restarting the engine to wait for the group"
  else
    gf_log "cannot look at group $GPUFLEET_GROUP now: $(tr '\n' ' ' <"$GPUFLEET_STATE/multinode-why")"
    return 0
  fi
  rm -f "$RANKS"
  while IFS=$'\t' read -r name _; do
    case "$name" in "" | "#"*) continue ;; esac
    gf_svc_restart "$name"
  done <"$GPUFLEET_REPLICAS_TSV"
}

case "${1:-}" in
  exec)
    shift
    run_engine "$@"
    ;;
  discover) discover_once ;;
  check) check_group ;;
  *) gf_fatal "usage: gpufleet-multinode exec CMD… | discover | check" ;;
esac
