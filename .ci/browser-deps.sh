#!/usr/bin/env bash
# Installs headless Chromium, its driver, a CJK font and Selenium when they are missing.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || [ ! -x /usr/bin/chromedriver ] || ! fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q --root-user-action=ignore selenium
