#!/usr/bin/env bash
# Smoke test after a deploy: GET /health must answer 200 three times in a row within ten minutes (the
# instance refresh may still be rolling). The URL is HEALTH_URL (the environment's public name, checked
# against its certificate) or else the stack's albUrl output (the load balancer's own DNS name, which the
# certificate does not name: TLS is then not verified, only reachability and the answer).
# Usage: smoke.sh STACK_NAME        Env: HEALTH_URL (optional)
set -euo pipefail

stack=${1:?usage: smoke.sh STACK_NAME}
insecure=()
url=${HEALTH_URL:-}
if [ -z "$url" ]; then
	url="$(pulumi stack output albUrl --stack "$stack")/health"
	if [[ $url == https://* ]]; then
		insecure=(--insecure)
	fi
fi
deadline=$((SECONDS + 600))
good=0
while [ "$good" -lt 3 ]; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "::error title=Smoke test::$url did not answer 200 three times in a row within 10 minutes"
		exit 1
	fi
	if code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "${insecure[@]}" "$url") && [ "$code" = 200 ]; then
		good=$((good + 1))
	else
		good=0
		echo "GET $url: ${code:-no answer}; retrying"
		sleep 10
	fi
done
echo "::notice title=Smoke test::$url answered 200"
