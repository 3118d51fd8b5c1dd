// Preloaded into a benchmarked process: reports its peak RSS (kB) on stderr when it exits.
process.on('exit', () => {
  process.stderr.write(`\nFEDIMG_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
