# Sourced by bin/ scripts: finds a JDK 25 or newer and exports JAVA_HOME and JAVA.
# Order: $JAVA_HOME when it is 25+, then /usr/lib/jvm/*25* and any newer JDK there.

java_major() { # prints the feature version of the java binary $1, or nothing
  # The JDK's release file says it without starting a JVM (that start was a fifth of a CLI command's time).
  local release
  release="$(dirname "$(dirname "$1")")/release"
  if [ -r "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -1
    return
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      export JAVA="$candidate/bin/java"
      return 0
    fi
  done
  {
    echo "flashcopy: no JDK 25 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm)."
    echo "Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or 'openjdk-25-jdk',"
    echo "or set JAVA_HOME to a JDK 25+ and try again."
  } >&2
  exit 1
}
