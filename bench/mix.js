// k6 script for bench/capacity.py: the public read mix from a file of paths (one a line).
//   k6 run -e BASE=http://127.0.0.1:8765 -e PATHS=mix.txt -e MODE=rate -e RATE=2000 \
//       -e DURATION=300s -e SUMMARY=out.json bench/mix.js
// MODE=rate: a fixed offered rate (constant-arrival-rate): requests start on schedule
// whether or not earlier ones have answered; when every VU is busy k6 drops the iteration
// and counts it in dropped_iterations. MODE=vus: VUS clients, each sending its next
// request when the previous one answers (closed loop, for overload).
// Answers are split three ways: admitted (status < 400, their latency in `admitted`),
// shed (503 with Retry-After) and every other failure, timeouts included.
import http from "k6/http";
import exec from "k6/execution";
import { SharedArray } from "k6/data";
import { Counter, Trend } from "k6/metrics";

const paths = new SharedArray("paths", () =>
  open(__ENV.PATHS).split("\n").filter((line) => line.length > 0),
);
const admitted = new Trend("admitted", true);
const shed = new Counter("shed");
const failed = new Counter("failed");

const scenario =
  __ENV.MODE === "rate"
    ? {
        executor: "constant-arrival-rate",
        rate: Number(__ENV.RATE),
        timeUnit: "1s",
        duration: __ENV.DURATION,
        preAllocatedVUs: Number(__ENV.PREALLOCATED || 100),
        maxVUs: Number(__ENV.MAX_VUS || 500),
        gracefulStop: "5s",
      }
    : {
        executor: "constant-vus",
        vus: Number(__ENV.VUS),
        duration: __ENV.DURATION,
        gracefulStop: "1s",
      };

export const options = {
  scenarios: { mix: scenario },
  summaryTrendStats: ["med", "p(95)", "p(99)", "max"],
  discardResponseBodies: true,
  noConnectionReuse: false,
};

export default function () {
  const path = paths[exec.scenario.iterationInTest % paths.length];
  const response = http.get(__ENV.BASE + path, { timeout: "10s" });
  if (response.status === 503 && response.headers["Retry-After"] !== undefined) {
    shed.add(1);
  } else if (response.status === 0 || response.status >= 400) {
    failed.add(1);
  } else {
    admitted.add(response.timings.duration);
  }
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY]: JSON.stringify(data.metrics) };
}
