#!/usr/bin/env bash
# The physical limit for one day: fetch its pages with curl (page 1000, following
# next_page_url) and compress the bytes with gzip at level 6. usage: curl_day.sh BASE DAY OUTDIR
set -euo pipefail
base=$1 day=$2 out=$3
url="$base/v1/Events?PageSize=1000&StartDate=${day}T00:00:00Z&EndDate=$(date -u -d "$day + 1 day" +%F)T00:00:00Z"
while [ -n "$url" ]; do
    page=$(curl -sf -u ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:simulator-auth-token "$url")
    printf '%s\n' "$page"
    url=$(printf '%s' "$page" | grep -o '"next_page_url": *"[^"]*"' | sed 's/.*"\(http[^"]*\)"/\1/' || true)
done | gzip -6 > "$out/$day.json.gz"
