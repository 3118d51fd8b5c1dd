// Preloaded into a benchmarked process: reports on stderr, when it exits, its peak RSS (kB), the
// CPU seconds it used itself and through the children it waited for (the xz decoder), the CPU of
// its main thread alone (what caps how fast one Node process can feed uploads) and of its busiest
// other thread (a worker or the libuv pool).
import { readdirSync, readFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

/** utime+stime (fields 14–15) and cutime+cstime (16–17) of a /proc stat file, in seconds. */
function cpuOf(path) {
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  const ticks = (index) => Number(fields[index - 3]);
  return { own: (ticks(14) + ticks(15)) / 100, children: (ticks(16) + ticks(17)) / 100 };
}

// A thread's counters vanish with the thread: sample them while the process runs, keep the last.
const threads = new Map();
function sampleThreads() {
  try {
    for (const tid of readdirSync('/proc/self/task'))
      if (Number(tid) !== process.pid)
        threads.set(
          `${tid}:${readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()}`,
          cpuOf(`/proc/self/task/${tid}/stat`).own,
        );
  } catch {
    // A thread ended between the listing and the read.
  }
}
// NODE_OPTIONS preloads this into fedimg's own threads as well: only the process reports.
if (isMainThread) setInterval(sampleThreads, 200).unref();

process.on('exit', () => {
  if (!isMainThread) return;
  sampleThreads();
  const all = cpuOf('/proc/self/stat');
  const main = cpuOf(`/proc/self/task/${process.pid}/stat`).own;
  process.stderr.write(
    `\nFEDIMG_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n` +
      `FEDIMG_BENCH_CPU_S=${all.own}\n` +
      `FEDIMG_BENCH_CHILD_CPU_S=${all.children}\n` +
      `FEDIMG_BENCH_MAIN_THREAD_CPU_S=${main}\n` +
      `FEDIMG_BENCH_BUSIEST_OTHER_THREAD_CPU_S=${Math.max(0, ...threads.values())}\n` +
      `FEDIMG_BENCH_THREADS=${JSON.stringify(Object.fromEntries([...threads].filter(([, cpu]) => cpu >= 0.05)))}\n`,
  );
});
