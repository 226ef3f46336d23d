#!/usr/bin/env bash
# Smoke test of docs/sample-app.md's run command: starts the sample app the way a newcomer would
# (./mvnw -pl sample-app -am spring-boot:run, default model, embedded file store, no Redis) on a free port, waits for
# its health, checks the chat page is served, sends one message, checks the JSON reply, deletes the conversation and
# stops the app.
# Env: SMOKE_TIMEOUT (seconds to wait for health, default 900), MVN_ARGS (extra Maven arguments, e.g. -o).
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_s=${SMOKE_TIMEOUT:-900}
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "smoke: no free port found" >&2; exit 1; }
base="http://127.0.0.1:$port"
log=$(mktemp -t smoke-sample-app.XXXXXX.log)

echo "smoke: starting the sample app on port $port (log: $log)"
# Own process group, so stopping it stops Maven and the application JVM it forked.
setsid ./mvnw -B ${MVN_ARGS:-} -pl sample-app -am spring-boot:run \
  -Dspring-boot.run.arguments="--server.port=$port" >"$log" 2>&1 &
app_pid=$!

stop() {
  if kill -0 "$app_pid" 2>/dev/null; then
    kill -TERM -- "-$app_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$app_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$app_pid" 2>/dev/null || true
  fi
}
fail() {
  echo "smoke: FAILED: $*" >&2
  echo "---- last lines of the app log ----" >&2
  tail -n 60 "$log" >&2
  exit 1
}
trap stop EXIT

deadline=$((SECONDS + timeout_s))
until health=$(curl -fsS "$base/actuator/health" 2>/dev/null) && [[ "$health" == *'"status":"UP"'* ]]; do
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited before it was healthy"
  ((SECONDS < deadline)) || fail "not healthy after ${timeout_s}s"
  sleep 2
done
echo "smoke: healthy after ${SECONDS}s"
grep -E "Model:|Conversations:" "$log" | sed 's/^/smoke: app says: /' || true

[[ "$health" == *'"infini":{'* ]] || fail "health lacks the infini component: $health"
curl -fsS "$base/" | grep -q '<title>Infini chat</title>' || fail "the chat page is not served at /"

conversation="smoke-$(date +%s)-$RANDOM"
status=$(curl -sS -o /tmp/smoke-reply.$$ -w '%{http_code}' -X POST "$base/api/conversations/$conversation/messages" \
  -H 'Content-Type: application/json' -d '{"message":"Hello! Tell me a short story."}') || fail "the request failed"
reply=$(cat /tmp/smoke-reply.$$); rm -f /tmp/smoke-reply.$$
echo "smoke: HTTP $status: $reply"
[[ "$status" == 200 ]] || fail "expected HTTP 200, got $status"
[[ "$reply" =~ \"conversationId\":\"$conversation\" ]] || fail "reply lacks the conversation id"
[[ "$reply" =~ \"reply\":\"[^\"] ]] || fail "reply text is empty"
[[ "$reply" =~ \"tokensSeen\":[1-9] ]] || fail "memory stats lack tokensSeen"
[[ "$reply" =~ \"stateBytes\":[1-9] ]] || fail "memory stats lack stateBytes"
[[ "$reply" =~ \"completionTokens\":[1-9] ]] || fail "usage lacks completionTokens"

status=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$base/api/conversations/$conversation")
[[ "$status" == 204 ]] || fail "delete answered $status"
echo "smoke: OK"
