#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): tbdesk
# leads the domain (its strategy copy), two Java factories join; then someone deletes a factory
# node while its session lives, as a zk shell or another console can: first tbdesk's, then the
# second Java factory's. Java's `refresh` stops all of that factory's groups, unregisters its
# strategy runtimes and registers again under the same name; tbdesk must do the same, keep
# processing, and nobody may process an item on two servers at once.
# Usage: KIT=../shared/java-peer factory-deleted.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
[ -x "$ZKCLI" ] || die "$ZKCLI not found (Debian: zookeeper)"
# factories FILE: the factory node names of a dump, oldest first (by their sequence suffix).
factories() {
  awk -F' [|] ' -v d="$ROOT/factory/" 'index($1, d) == 1 { n = substr($1, length(d) + 1); if (n !~ /\//) print n }' "$1" \
    | awk -F'$' '{ print $NF "\t" $0 }' | sort | cut -f2
}
# delete_factory NAME: deletes $ROOT/factory/NAME as the root's digest user, with ZooKeeper's own shell.
delete_factory() {
  printf 'addauth digest ScheduleAdmin:password\ndelete %s\nquit\n' "$ROOT/factory/$1" \
    | timeout 60 "$ZKCLI" -server "$ZK" > "$WORK/zkcli-$2.log" 2>&1
}
prepare
java_setup -Dwhat=tasktype
start_monitor
start_tbdesk
then_two_javas
pause 25
dump 3way
mapfile -t F < <(factories "$WORK/dump-3way.txt")
[ "${#F[@]}" = 3 ] || die "expected 3 factories in dump-3way, found ${#F[@]}: ${F[*]}"
printf '%s\n' "${F[@]}" > "$WORK/factories"   # tbdesk, J1, J2 in the order they started
event "delete factory tbdesk"; delete_factory "${F[0]}" tbdesk
pause 25
dump after-tbdesk
event "delete factory J2"; delete_factory "${F[2]}" J2
pause 25
dump after-j2
stop_tbdesk
pause 10
finish_ours
