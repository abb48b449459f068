#!/usr/bin/env bash
# Builds Corral's Debian package and its release artefacts, reproducibly:
#
#   packaging/build-deb.sh                 # -> target/dist/: corral_VERSION_all.deb, corral.jar,
#                                          #    corral-sbom.cdx.json, SHA256SUMS
#
# Options: --out DIR (default target/dist), --version V (the Debian version; default from pom.xml,
# 0.1.0-SNAPSHOT -> 0.1.0~snapshot-1), --jar FILE (package this jar instead of building one).
# DEBFULLNAME and DEBEMAIL, as for dch, name the maintainer.
#
# The jar is built by Maven from a clean copy of the sources (the files git tracks plus new ones it
# does not ignore) in a temporary directory, so nothing in target/ or elsewhere in the tree leaks in,
# and the developer's target/ is left alone. Two builds of one commit give byte-identical artefacts:
# SOURCE_DATE_EPOCH (default: the commit's time) is the time of every entry in the jar
# (project.build.outputTimestamp), of every file in the .deb and of its ar members; the .deb is built
# with dpkg-deb --root-owner-group (sorted entries, uid/gid 0) and gzip (zlib: the same bytes on any
# machine; xz would gain 2% on a jar that is compressed already, at ten times the time); gzip runs with -n.
# packaging/test-deb.sh builds twice and compares SHA256SUMS.
#
# Needs a JDK 17+ (javac), dpkg-deb and gzip; Maven comes from ./mvnw. Runs as any user (no fakeroot).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="$repo/packaging"
out="$repo/target/dist"
version=""
jar_in=""
say() { printf 'build-deb: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --jar) jar_in="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

for tool in dpkg-deb gzip sha256sum md5sum tar; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (sudo apt-get install -y dpkg gzip coreutils tar)"
done

export LC_ALL=C TZ=UTC
umask 022
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$repo" log -1 --format=%ct 2>/dev/null || true)"
  [ -n "$SOURCE_DATE_EPOCH" ] || SOURCE_DATE_EPOCH=1767225600 # 2026-01-01, outside a git checkout
fi
export SOURCE_DATE_EPOCH
commit="$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$repo" status --porcelain 2>/dev/null | head -1)" ]; then commit="$commit with local changes"; fi

pom_version="$(sed -n 's#^  <version>\(.*\)</version>$#\1#p' "$repo/pom.xml" | head -1)"
[ -n "$pom_version" ] || die "cannot read the project version from pom.xml"
if [ -z "$version" ]; then
  upstream="${pom_version/-SNAPSHOT/~snapshot}"
  version="${upstream}-1"
fi
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "--version $version is not a Debian version"
# The Maintainer field, from dch's variables when set.
if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then maintainer="$DEBFULLNAME <$DEBEMAIL>"
else maintainer="Corral maintainers <maintainers@corral.invalid>"; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/corral-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1. The jar, from a clean copy of the sources.
if [ -n "$jar_in" ]; then
  [ -f "$jar_in" ] || die "--jar $jar_in: no such file"
  jar="$jar_in"
  sbom="$(dirname "$jar_in")/corral-sbom.cdx.json"
  [ -f "$sbom" ] || die "--jar: no corral-sbom.cdx.json beside $jar_in (build with ./mvnw package)"
else
  src="$work/src"
  mkdir -p "$src"
  if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
      | tar --null -T - -cf - | tar -xf - -C "$src")
  else
    (cd "$repo" && tar --exclude=./target --exclude=./node_modules -cf - .) | tar -xf - -C "$src"
  fi
  say "building corral.jar (Maven, from a clean copy of the sources; SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) ..."
  if ! (cd "$src" && ./mvnw -B --no-transfer-progress -Dmaven.test.skip=true \
        -Dproject.build.outputTimestamp="$SOURCE_DATE_EPOCH" clean package >"$work/maven.log" 2>&1); then
    grep -E '^\[ERROR\]' "$work/maven.log" | head -30 >&2 || true
    die "the Maven build failed"
  fi
  jar="$src/target/corral.jar"
  sbom="$src/target/corral-sbom.cdx.json"
fi

java="java"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java="$JAVA_HOME/bin/java"

# 2. The package's tree.
root="$work/root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/corral" "$root/lib/systemd/system" \
  "$root/etc/corral" "$root/etc/default" "$root/usr/share/doc/corral" "$root/usr/share/man/man1" \
  "$root/usr/share/lintian/overrides"

install -m 0644 "$jar" "$root/usr/share/corral/corral.jar"

# /usr/bin/corral is the repository's own launcher with one line changed: it runs the installed jar.
sed 's#^installed_jar=""$#installed_jar="/usr/share/corral/corral.jar"#' "$repo/corral" >"$root/usr/bin/corral"
[ "$(diff "$repo/corral" "$root/usr/bin/corral" | grep -c '^>')" = 1 ] \
  || die "the launcher's installed_jar=\"\" line was not found exactly once"
chmod 0755 "$root/usr/bin/corral"

# The unit is what `corral harden corral` prints, so the two are the same unit by construction.
"$java" -jar "$jar" harden corral >"$root/lib/systemd/system/corral.service" 2>"$work/harden.err" \
  || { cat "$work/harden.err" >&2; die "corral harden corral failed"; }
grep -q '^ExecStart=/usr/bin/corral serve --config /etc/corral/corral.yaml$' "$root/lib/systemd/system/corral.service" \
  || die "the unit from corral harden corral does not start /usr/bin/corral"
chmod 0644 "$root/lib/systemd/system/corral.service"

install -m 0644 "$pkg/corral.yaml" "$root/etc/corral/corral.yaml"
install -m 0644 "$pkg/default" "$root/etc/default/corral"
install -m 0644 "$pkg/debian/copyright" "$root/usr/share/doc/corral/copyright"
install -m 0644 "$sbom" "$root/usr/share/doc/corral/corral-sbom.cdx.json"
install -m 0644 "$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/corral"

date_rfc="$(date -u -d "@$SOURCE_DATE_EPOCH" -R)"
date_day="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)"
sed -e "s/@VERSION@/$version/" -e "s/@COMMIT@/commit $commit/" -e "s/@MAINTAINER@/$maintainer/" \
  -e "s/@DATE@/$date_rfc/" "$pkg/debian/changelog.in" | gzip -9n >"$root/usr/share/doc/corral/changelog.Debian.gz"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date_day/" "$pkg/corral.1" | gzip -9n >"$root/usr/share/man/man1/corral.1.gz"

for f in postinst prerm postrm; do install -m 0755 "$pkg/debian/$f" "$root/DEBIAN/$f"; done
install -m 0644 "$pkg/debian/conffiles" "$root/DEBIAN/conffiles"
size_kib="$(du -s -k --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@INSTALLED_SIZE@/$size_kib/" \
  "$pkg/debian/control.in" >"$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

# Fixed modes for directories, fixed times for everything.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# 3. The .deb and the release artefacts.
mkdir -p "$out"
deb="$out/corral_${version}_all.deb"
rm -f "$out"/corral_*_all.deb "$out/SHA256SUMS"
dpkg-deb --root-owner-group -Zgzip -z9 --threads-max=1 --build "$root" "$deb" >/dev/null
install -m 0644 "$jar" "$out/corral.jar"
install -m 0644 "$sbom" "$out/corral-sbom.cdx.json"
(cd "$out" && sha256sum "$(basename "$deb")" corral.jar corral-sbom.cdx.json >SHA256SUMS)
touch -d "@$SOURCE_DATE_EPOCH" "$out/corral.jar" "$out/corral-sbom.cdx.json"

say "built $deb (version $version, from $commit)"
sed 's/^/  /' "$out/SHA256SUMS" >&2
