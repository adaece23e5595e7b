import { readFileSync } from "node:fs";

/** Whether a process is gone; a zombie not reaped yet (no init reaps here) runs nothing either. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
