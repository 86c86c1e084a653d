#!/usr/bin/env bash
# make demo: ecrctl against a local ECR emulator, no AWS account needed.
# Uses moto when python3 can import it, else the in-memory fake served over
# ECR's JSON protocol (internal/ecrfake/cmd/ecrfake-server, only Go needed);
# DEMO_BACKEND=moto|fake forces one. Runs plan -> apply -> plan on
# registry.yaml, checks the result with a client other than ecrctl, and
# stops the emulator.
set -euo pipefail
bin=${1:-bin/ecrctl}
spec=${SPEC:-registry.yaml}
go=${GO:-go}
account=$(sed -n 's/^account: *"\{0,1\}\([0-9]\{12\}\)"\{0,1\}.*/\1/p' "$spec")
account=${account:-123456789012}
region=$(sed -n 's/^region: *//p' "$spec" | head -1)
region=${region:-us-west-2}

backend=${DEMO_BACKEND:-}
why="DEMO_BACKEND=$backend"
if [ -z "$backend" ]; then
  if python3 -c 'import moto' 2>/dev/null; then backend=moto; why="python3 has moto"; else backend=fake; why="moto not found"; fi
fi

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

case $backend in
moto)
  python3 -c 'import moto' 2>/dev/null || { echo "demo: DEMO_BACKEND=moto but python3 cannot import moto" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  MOTO_ACCOUNT_ID=$account python3 -m moto.server -H 127.0.0.1 -p "$port" >"$tmp/log" 2>&1 &
  pid=$!
  endpoint="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
  done
  echo "Local ECR emulator: moto (python3 -m moto.server) on $endpoint, account $account."
  ;;
fake)
  "$go" build -o "$tmp/ecrfake-server" ./internal/ecrfake/cmd/ecrfake-server
  "$tmp/ecrfake-server" -addr 127.0.0.1:0 -account "$account" -region "$region" >"$tmp/url" 2>"$tmp/log" &
  pid=$!
  endpoint=
  for _ in $(seq 100); do
    endpoint=$(head -1 "$tmp/url" 2>/dev/null || true)
    [ -n "$endpoint" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$endpoint" ] || { echo "demo: the fake ECR server did not start" >&2; cat "$tmp/log" >&2; exit 1; }
  echo "Local ECR emulator: ecrctl's in-memory fake (ecrfake-server; $why) on $endpoint, account $account."
  ;;
*)
  echo "demo: DEMO_BACKEND must be moto or fake, not $backend" >&2; exit 1 ;;
esac

export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_ENDPOINT_URL=$endpoint
unset AWS_PROFILE AWS_SESSION_TOKEN
if [ -t 1 ]; then b=$'\033[1m' r=$'\033[0m'; else b= r=; fi
step() { printf '\n%s$ %s%s\n' "$b" "$*" "$r"; }

step ecrctl validate;                 "$bin" validate -f "$spec"
step ecrctl plan;                     "$bin" plan -f "$spec" --no-color
step ecrctl apply --auto-approve;     "$bin" apply -f "$spec" --auto-approve --no-color
step ecrctl plan --detailed-exitcode; "$bin" plan -f "$spec" --detailed-exitcode --no-color

# The check uses a client other than ecrctl: the AWS CLI when installed,
# else ECR's JSON protocol spoken with curl (no signature is needed by the
# fake or moto).
if command -v aws >/dev/null 2>&1; then
  step "aws ecr describe-repositories   # checked with another client"
  aws ecr describe-repositories --region "$region" --endpoint-url "$endpoint" \
    --query 'repositories[].[repositoryName,imageTagMutability,imageScanningConfiguration.scanOnPush,encryptionConfiguration.encryptionType]' --output table
elif command -v curl >/dev/null 2>&1; then
  step "curl DescribeRepositories   # checked with another client (no AWS CLI found)"
  out=$(curl -fsS -X POST "$endpoint/" \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=demo/20250101/$region/ecr/aws4_request, SignedHeaders=host, Signature=0" \
    -d '{}')
  if command -v jq >/dev/null 2>&1; then
    echo "$out" | jq -r '.repositories[] | [.repositoryName, .imageTagMutability, .imageScanningConfiguration.scanOnPush, .encryptionConfiguration.encryptionType] | @tsv'
  else
    echo "$out" | grep -o '"repositoryName":"[^"]*"' | cut -d'"' -f4
  fi
else
  echo "demo: neither the AWS CLI nor curl is installed; skipping the independent check" >&2
fi
echo
echo "Demo done ($backend): the second plan shows no changes. The emulator is stopped."
