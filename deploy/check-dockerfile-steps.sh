#!/usr/bin/env bash
# Replays the Dockerfile's steps in a throwaway folder and venv, where `docker build` cannot run
# (no engine, offline): ENV is exported, WORKDIR/COPY are mirrored, and every RUN step runs with
# the image's paths mapped into the folder (/opt/venv, /app, /opt/reviewbot, /data,
# /var/lib/reviewbot). The user-creation step needs root inside a container and is skipped.
#
#   deploy/check-dockerfile-steps.sh            # takes minutes: installs torch and the project
#   KEEP=1 deploy/check-dockerfile-steps.sh     # keep the folder for a look afterwards
#
#   TORCH_INDEX_URL= deploy/check-dockerfile-steps.sh   # like --build-arg TORCH_INDEX_URL=
#                                                       # (pip's own index/mirror for torch too)
# pip uses this machine's configuration (a mirror or wheel folder, if any); a real build uses PyPI.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/reviewbot-dockerfile.XXXXXX")"
cleanup() { if [[ -z "${KEEP:-}" ]]; then rm -rf "$work"; else echo "kept: $work"; fi; }
trap cleanup EXIT

# The build context: tracked and untracked files that git does not ignore (.dockerignore's
# entries — .env, .venv, .reviewbot, caches — are all git-ignored too).
mkdir -p "$work/app"
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work/app"

# Parse the Dockerfile into shell lines: `export K=V` for ENV, `cd` for WORKDIR, RUN bodies.
python3 - "$repo/Dockerfile" "$work" > "$work/steps.sh" <<'PY'
import re, shlex, sys
dockerfile, work = sys.argv[1], sys.argv[2]
text = open(dockerfile, encoding="utf-8").read()
text = re.sub(r"\\\n", " ", text)  # join continuation lines
roots = {"/opt/venv": "venv", "/opt/reviewbot": "opt-reviewbot", "/var/lib/reviewbot": "state",
         "/data": "data", "/app": "app"}
path = re.compile(r"(?<![\w/.-])(/opt/venv|/opt/reviewbot|/var/lib/reviewbot|/data|/app)(?=[/\s'\")]|$)")
def mapped(s):
    return path.sub(lambda m: f"{work}/{roots[m[1]]}", s)
n = 0
for line in text.splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "ENV":
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            if key in ("HOME",):
                continue
            value = mapped(value).replace("$PATH", "${PATH}")
            print(f'export {key}="{value}"')
    elif word == "ARG":  # a --build-arg is an environment variable of the same name here
        key, _, default = rest.partition("=")
        print(f'export {key}="${{{key}-{default}}}"')
    elif word == "WORKDIR":
        print(f"mkdir -p {shlex.quote(mapped(rest))} && cd {shlex.quote(mapped(rest))}")
    elif word == "RUN":
        n += 1
        if "useradd" in rest:
            print(f"echo '--- RUN {n}: skipped (creates a system user; root in a container)'")
            continue
        print(f"echo '--- RUN {n}: '{shlex.quote(rest[:100])}")
        print("start=$SECONDS")
        print(f"if ! ( {mapped(rest)} ); then")
        print(f'  echo "--- RUN {n} failed; python: $(command -v python); sys.path and site-packages:"')
        print("""  python -c 'import sys, site; print(sys.path); print(site.getsitepackages())'""")
        print("  exit 1")
        print("fi")
        print(f'echo "    RUN {n} took $((SECONDS - start)) s"')
    elif word in ("COPY", "ADD"):
        print(f"echo '--- {word} {rest}: the build context is already in {work}/app'")
PY

echo "Replaying $repo/Dockerfile in $work"
total=$SECONDS
(cd "$work" && bash -euo pipefail "$work/steps.sh")
echo "--- smoke: the installed command, from the throwaway venv"
"$work/venv/bin/reviewbot" --version
ls "$work/opt-reviewbot/models"
echo "OK: every Dockerfile step replayed in $((SECONDS - total)) s"
