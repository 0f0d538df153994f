// A calibration worker thread (calibrate-workers.ts): computes its job's statistics, posts
// them (or the error) on its port, then counts itself done and wakes the waiting thread.

import { type MessagePort, workerData } from "node:worker_threads";
import { jobStats, type StatsJob } from "./calibrate.js";
import type { StatsReply } from "./calibrate-workers.js";

const { job, port, done } = workerData as {
  job: StatsJob;
  port: MessagePort;
  done: Int32Array;
};

let reply: StatsReply;
try {
  reply = { kind: "stats", stats: jobStats(job) };
} catch (error) {
  reply = { kind: "error", message: error instanceof Error ? (error.stack ?? "") : String(error) };
}
port.postMessage(reply);
Atomics.add(done, 0, 1);
Atomics.notify(done, 0);
