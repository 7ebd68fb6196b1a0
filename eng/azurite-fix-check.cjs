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

/**
 * How many times `action` calls the functions `names` of `owner` (a prototype's method, an operator table's entries): each is
 * wrapped with a counter for the action's time, and put back after, whatever the action does.
 */
async function countCalls(owner, names, action) {
  const originals = Object.fromEntries(names.map((name) => [name, owner[name]]));
  let calls = 0;
  for (const [name, original] of Object.entries(originals)) {
    owner[name] = function counted(...args) {
      calls++;
      return original.apply(this, args);
    };
  }
  try {
    await action();
  } finally {
    Object.assign(owner, originals);
  }
  return calls;
}

module.exports = { compareStores, countCalls, run };
