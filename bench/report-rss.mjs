// Preloaded into a benchmarked process: reports on stderr, when it exits, its peak RSS (kB) and the
// CPU seconds it used itself and through the children it waited for (the xz decoder).
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  // /proc/self/stat fields 14–17: utime, stime, cutime, cstime in clock ticks (100 per second).
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticks = (index) => Number(fields[index - 3]);
  process.stderr.write(
    `\nFEDIMG_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n` +
      `FEDIMG_BENCH_CPU_S=${(ticks(14) + ticks(15)) / 100}\n` +
      `FEDIMG_BENCH_CHILD_CPU_S=${(ticks(16) + ticks(17)) / 100}\n`,
  );
});
