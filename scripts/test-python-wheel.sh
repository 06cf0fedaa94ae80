#!/usr/bin/env bash
# Builds the Python package (python/) as a wheel in a throwaway virtualenv, installs it there, and
# runs the Python tests from a copy, so they import the installed package, not the source.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
# Built from a copy: setuptools leaves build/ and *.egg-info beside what it builds.
cp -r "$root/python" "$tmp/src"
"$tmp/venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps -w "$tmp/dist" "$tmp/src"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "$tmp"/dist/plotly_stream-*.whl
cp "$root/python/test_plotly_stream.py" "$tmp/"
cd "$tmp"
"$tmp/venv/bin/python" -c 'import plotly_stream; assert "site-packages" in plotly_stream.__file__, plotly_stream.__file__'
echo "python: testing the installed wheel $(basename "$tmp"/dist/plotly_stream-*.whl)"
PLOTLY_STREAM_ROOT="$root" "$tmp/venv/bin/python" -m unittest test_plotly_stream
