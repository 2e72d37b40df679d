#!/usr/bin/env bash
# The main job: a demo school on the embedded SQLite server, two teachers'
# clients (one teacher on two devices) recording marks offline, then syncing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
SERVER=build/server/sodiem-server
CLIENT=build/client/sodiem
WORK=$(mktemp -d /tmp/sodiem-demo-XXXXXX)
trap 'kill $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
acct() { python3 -c "import json,sys; a=json.load(open('$WORK/server/demo-accounts.json')); print(next(x['password'] for x in a['accounts'] if x['username']=='$1'))"; }

say "1. Khởi tạo máy chủ với trường mẫu (server init --demo)"
$SERVER init --data "$WORK/server" --demo
FP=$(python3 -c "import json; print(json.load(open('$WORK/server/demo-accounts.json'))['server_fingerprint'])")

say "2. Chạy máy chủ (WSS + HTTPS)"
$SERVER run --data "$WORK/server" --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
URL="wss://$(grep -o 'listening on [0-9.]*:[0-9]*' "$WORK/server.log" | head -1 | cut -d' ' -f3)"
echo "máy chủ: $URL"

say "3. Giáo viên đăng ký thiết bị (gv.toan.1 trên laptop và máy ở nhà, gv.van.1 trên laptop)"
acct gv.toan.1 | $CLIENT enroll --data "$WORK/toan-laptop" --server "$URL" --user gv.toan.1 --password-stdin --fingerprint "$FP" --device-name laptop
acct gv.toan.1 | $CLIENT enroll --data "$WORK/toan-home" --server "$URL" --user gv.toan.1 --password-stdin --fingerprint "$FP" --device-name home
acct gv.van.1 | $CLIENT enroll --data "$WORK/van-laptop" --server "$URL" --user gv.van.1 --password-stdin --fingerprint "$FP" --device-name laptop

say "4. Mất mạng: máy chủ tắt; giáo viên vẫn nhập điểm trên máy mình"
kill -TERM $SERVER_PID; wait $SERVER_PID || true
for st in 01 02 03; do
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.TX1 8
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.TX2 "7,5"
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.TX3 9
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.TX4 8
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.GK 9
  $CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A$st HK1.CK 8
done
$CLIENT set --data "$WORK/toan-home" 6A Toán HS6A01 HK1.CK 6        # same cell, other device: a conflict
$CLIENT set --data "$WORK/van-laptop" 6A "Ngữ văn" HS6A01 HK1.GK 8.5
echo "Thử nhập sai:"
$CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A01 HK1.TX1 11 || true
$CLIENT set --data "$WORK/toan-laptop" 6A "Ngữ văn" HS6A01 HK1.TX1 8 || true
$CLIENT status --data "$WORK/toan-laptop" --json

say "5. Có mạng trở lại: đồng bộ"
$SERVER run --data "$WORK/server" --listen "${URL#wss://}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
echo "laptop (Toán):  $($CLIENT sync --data "$WORK/toan-laptop" --json)"
echo "máy ở nhà:      $($CLIENT sync --data "$WORK/toan-home" --json)"
echo "laptop (Văn):   $($CLIENT sync --data "$WORK/van-laptop" --json)"
echo "laptop (Toán):  $($CLIENT sync --data "$WORK/toan-laptop" --json)"

say "6. Kết quả"
$CLIENT show --data "$WORK/toan-laptop" 6A Toán | grep -E "Lớp|HS6A0[123] "
echo "status laptop:   $($CLIENT status --data "$WORK/toan-laptop" --json)"
echo "status máy nhà:  $($CLIENT status --data "$WORK/toan-home" --json)"
echo "show --json (HS6A01):"
$CLIENT show --data "$WORK/toan-home" 6A Toán --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps(next(s for s in d['students'] if s['code']=='HS6A01'), ensure_ascii=False))"

say "7. Hiệu trưởng khóa sổ HK1 lớp 6A; điểm nhập muộn bị từ chối và có lý do"
acct hieutruong | $SERVER lock set --data "$WORK/server" --term HK1 --class 6A --kind frozen --reason "Chốt điểm học kì I" \
  --by hieutruong --password-stdin
$CLIENT set --data "$WORK/toan-laptop" 6A Toán HS6A02 HK1.CK 10
$CLIENT sync --data "$WORK/toan-laptop" --json
$CLIENT inbox --data "$WORK/toan-laptop"

say "8. Giáo viên gửi yêu cầu điều chỉnh; Hiệu trưởng duyệt ngay trên máy của mình"
$CLIENT correction request --data "$WORK/toan-laptop" 6A Toán HS6A02 HK1.CK 10 --reason "Chấm sót câu 5"
$CLIENT sync --data "$WORK/toan-laptop" >/dev/null
acct hieutruong | $CLIENT enroll --data "$WORK/ht" --server "$URL" --user hieutruong --password-stdin --fingerprint "$FP" --device-name "may-hieu-truong"
$CLIENT sync --data "$WORK/ht" >/dev/null
$CLIENT correction list --data "$WORK/ht"
ID=$($CLIENT correction list --data "$WORK/ht" --json | python3 -c "import json,sys; print([c for c in json.load(sys.stdin) if c['status']=='pending'][0]['id'])")
$CLIENT correction approve "$ID" --data "$WORK/ht" --comment "Đồng ý theo biên bản chấm lại"
$CLIENT sync --data "$WORK/toan-laptop" >/dev/null
$CLIENT inbox --data "$WORK/toan-laptop" | tail -3
$CLIENT history --data "$WORK/toan-laptop" 6A Toán HS6A02 HK1.CK

say "9. Tiến độ, nhật ký kiểm toán"
$SERVER progress --data "$WORK/server" --term HK1 >"$WORK/progress.txt"; head -4 "$WORK/progress.txt"
$SERVER audit verify --data "$WORK/server"

say "10. Sổ điểm trong trình duyệt (sodiem ui) cho gv.toan.1"
# Interactive: serves until Ctrl+C and opens the browser. Otherwise (CI, a
# pipe, DEMO_UI=check) it checks that the page and the grid answer, then stops.
$CLIENT ui --data "$WORK/toan-laptop" --listen 127.0.0.1:0 --no-browser >"$WORK/ui.log" 2>&1 &
UI_PID=$!
trap 'kill $UI_PID 2>/dev/null || true; kill $SERVER_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" "$WORK/ui.log" && break; sleep 0.1; done
UI_URL=$(grep -o 'http://[^ ]*' "$WORK/ui.log" | head -1)
python3 - "$UI_URL" <<'PY'
import json, sys, urllib.request, http.cookiejar
url = sys.argv[1]
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = op.open(url.replace("/?", "/?class=6A&subject=To%C3%A1n&")).read().decode()
grid = json.load(op.open(url.split("/?")[0] + "/api/grid?class=6A&subject=To%C3%A1n"))
s = next(x for x in grid["students"] if x["code"] == "HS6A01")
print("trang: %d byte; lớp 6A Toán: %d học sinh; HS6A01 %s: %s, ĐTB HK1 %s" % (
    len(page), len(grid["students"]), s["name"],
    ", ".join("%s=%s (%s)" % (k, v["value"], v["state"]) for k, v in sorted(s["cells"].items())),
    s["averages"].get("HK1", "—")))
PY
if [ -t 0 ] && [ -t 1 ] && [ "${DEMO_UI:-open}" != check ]; then
  echo
  echo "Mở trong trình duyệt:  $UI_URL&class=6A&subject=To%C3%A1n"
  echo "(Ctrl+C để dừng)"
  command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && xdg-open "$UI_URL&class=6A&subject=To%C3%A1n" >/dev/null 2>&1 || true
  wait $UI_PID || true
fi
echo
echo "Dữ liệu demo ở $WORK"
