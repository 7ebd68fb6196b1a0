// What the Azurite store benches (azurite-queue.cjs, azurite-table.cjs) share: their `--name value` options and the median.
"use strict";

/** The value after `--name` on the command line, or the fallback. */
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

module.exports = { arg, median };
