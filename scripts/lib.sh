# Shared by scripts/ivr and scripts/test: find a JDK 21+ and the project root. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1
}

# Sets JAVA_HOME to a JDK 21 or newer: $JAVA_HOME if suitable, else the newest under the usual places.
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    export JAVA_HOME; return 0
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(java_major "$d" 2>/dev/null); [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "error: no JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm, /opt/java, /opt/jdk*)." >&2
    echo "       Install one (e.g. Temurin 21+) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

need_maven() {
  command -v mvn >/dev/null 2>&1 || { echo "error: Maven (mvn) not found; install it (Debian: apt-get install maven)" >&2; return 1; }
}
