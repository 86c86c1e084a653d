#!/usr/bin/env bash
# make demo: ecrctl against a local ECR emulator (moto), no AWS account needed.
# Starts moto on a free loopback port, runs plan -> apply -> plan on
# registry.yaml, shows the result with the AWS CLI, and stops moto.
set -euo pipefail
bin=${1:-bin/ecrctl}
spec=${SPEC:-registry.yaml}
account=$(sed -n 's/^account: *"\{0,1\}\([0-9]\{12\}\)"\{0,1\}.*/\1/p' "$spec")

python3 -c 'import moto' 2>/dev/null || { echo "demo: python3 cannot import moto (the ECR emulator); it ships with the machine image" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
MOTO_ACCOUNT_ID=${account:-123456789012} python3 -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; wait $moto 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done

export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_ENDPOINT_URL="http://127.0.0.1:$port"
unset AWS_PROFILE AWS_SESSION_TOKEN
if [ -t 1 ]; then b=$'\033[1m' r=$'\033[0m'; else b= r=; fi
step() { printf '\n%s$ %s%s\n' "$b" "$*" "$r"; }

echo "Local ECR emulator (moto) on 127.0.0.1:$port, account ${account:-123456789012}."
step ecrctl validate;                 "$bin" validate -f "$spec"
step ecrctl plan;                     "$bin" plan -f "$spec" --no-color
step ecrctl apply --auto-approve;     "$bin" apply -f "$spec" --auto-approve --no-color
step ecrctl plan --detailed-exitcode; "$bin" plan -f "$spec" --detailed-exitcode --no-color
step "aws ecr describe-repositories   # checked with another client"
aws ecr describe-repositories --region "$(sed -n 's/^region: *//p' "$spec" | head -1)" --endpoint-url "$AWS_ENDPOINT_URL" \
  --query 'repositories[].[repositoryName,imageTagMutability,imageScanningConfiguration.scanOnPush,encryptionConfiguration.encryptionType]' --output table
echo
echo "Demo done: the second plan shows no changes. The emulator is stopped."
