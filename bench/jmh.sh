#!/usr/bin/env bash
# JMH micro-benchmarks (bench/src/main/java), by hand, never in the test run. Arguments go to JMH:
#   bench/jmh.sh                          # everything, with the GC profiler
#   bench/jmh.sh GrainBitmap -f 1 -wi 2 -i 3
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/bin/lib/jdk.sh"
find_jdk
(cd "$root" && mvn -B -q -DskipTests -pl bench -am package)
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-prof gc)
exec "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$root/bench/target/benchmarks.jar" "${args[@]}"
