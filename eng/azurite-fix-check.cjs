// What both fix checks (azurite-queue-fix.check.cjs, azurite-table-fix.check.cjs) share: one script of operations run on a
// stock Azurite store and on a fixed one, answer by answer.
"use strict";

/**
 * Runs each step (a name, and a function of a store that returns its answer as text) on the stock store, then on the fixed
 * one; prints "name: answer" for each, and stops the process (exit 1) at the first answer that differs. Returns how many
 * steps compared.
 */
async function compareStores(stock, fixed, script) {
  for (const [name, step] of script) {
    const [a, b] = [await step(stock), await step(fixed)];
    if (a !== b) {
      console.log(`DIFFERENT at "${name}":\n  stock: ${a}\n  fixed: ${b}`);
      process.exit(1);
    }
    console.log(`${name}: ${a}`);
  }
  return script.length;
}

/** Runs a check's main function, printing its failure (and exiting 1) rather than an unhandled rejection. */
function run(main) {
  main().catch((e) => {
    console.log(`failed: ${e.stack}`);
    process.exit(1);
  });
}

module.exports = { compareStores, run };
