#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment in .venv.
# Idempotent and quick when nothing changed: it re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "需要 Python 3.11 或更新版本 / Python 3.11+ is required (set PYTHON=...)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 / creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.yousu-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> 安装依赖 / installing dependencies (first run takes a minute)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$want" > "$stamp"
fi

# Debian's Chromium and ChromeDriver for the dashboard's browser tests (Playwright drives
# /usr/bin/chromium; nothing is downloaded by Playwright itself). Installed only when missing,
# and only as root (apt-get); otherwise the browser tests say what to install.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> 安装 Chromium（浏览器测试用）/ installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "提示：浏览器测试需要 Debian 的 chromium 与 chromium-driver（apt-get install chromium chromium-driver）" \
      "/ the browser tests need Debian's chromium and chromium-driver" >&2
  fi
fi
