#!/usr/bin/env node
// Azurite's table store with and without the project's fix (eng/azurite-table-fix.cjs), on the store itself (no HTTP):
// `node bench/azurite-table.cjs [--cases 0,1000,3000,10000] [--ops 2000] [--runs 3]`.
//
// Each run holds N cases as the hub lays them out (a case row under RowKey "case" in each case's partition, and an audit
// head under "head"), then times what a case's progress does to its rows: read the case row, merge it with its ETag, and
// read an audit head, on cases picked in turn. Prints the median time per cycle (ms) over the runs, stock and fixed, and
// their ratio; and checks that both stores answered every read alike, else exits 1.
//
// Then the engine's read before a turn: each case also has an orchestration history (15 rows in a partition of its own, as
// the engine's history table holds them), and each cycle queries one whole history (`PartitionKey eq '<instance>'`).
"use strict";
const fix = require("../eng/azurite-table-fix.cjs");
const { arg, median } = require("./cjs-args.cjs");

const caseCounts = arg("cases", "0,1000,3000,10000").split(",").map(Number);
const ops = Number(arg("ops", "2000"));
const runs = Number(arg("runs", "3"));
const account = "devstoreaccount1";
const context = { contextID: "bench" };

const entity = (pk, rk, properties, tag) => ({
  PartitionKey: pk, RowKey: rk, properties: { PartitionKey: pk, RowKey: rk, ...properties },
  lastModifiedTime: new Date().toISOString(), eTag: tag,
});

/** A table store of Azurite's, fixed or stock, with `tables` created. */
async function storeWith(name, fixed, tables) {
  const Store = fix.tableStore();
  const store = new Store(name, true);
  await store.init();
  if (fixed) fix.fixStore(store);
  for (const table of tables) await store.createTable(context, { account, table });
  return store;
}

/** Runs `cycle(i)` `count` times in turn: the mean time per cycle (ms) and every cycle's answer, for the stores to be compared. */
async function timed(count, cycle) {
  const answers = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) answers.push(await cycle(i));
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 / count, answers: answers.join(",") };
}

async function run(fixed, cases) {
  const store = await storeWith(`table-bench-${fixed}-${cases}`, fixed, ["cases", "audit"]);
  // The cases held, and one more in flight that every cycle works on in turn with them.
  const total = cases + 1;
  for (let i = 0; i < total; i++) {
    await store.insertTableEntity(context, "cases", account, entity(`case-${i}`, "case", { Status: "Open", Version: 0 }, `c${i}-0`), "");
    await store.insertTableEntity(context, "audit", account, entity(`case-${i}`, "head", { Seq: 0 }, `h${i}`), "");
  }
  return timed(ops, async (i) => {
    const id = `case-${(i * 7919) % total}`;
    const row = await store.queryTableEntitiesWithPartitionAndRowKey(context, "cases", account, id, "case", "");
    const merged = await store.mergeTableEntity(context, "cases", account, entity(id, "case", { Version: row.properties.Version + 1 }, `${row.eTag}+`), row.eTag, "");
    const head = await store.queryTableEntitiesWithPartitionAndRowKey(context, "audit", account, id, "head", "");
    return `${id}:${merged.properties.Version}:${head.eTag}`;
  });
}

/** The engine's history read: N cases' histories held (15 rows each), one history queried per cycle. */
const historyRows = 15;
const historyOps = Math.max(1, Math.floor(ops / 4));
async function runHistory(fixed, cases) {
  const store = await storeWith(`history-bench-${fixed}-${cases}`, fixed, ["history"]);
  const total = cases + 1;
  for (let i = 0; i < total; i++) {
    for (let e = 0; e < historyRows; e++) {
      await store.insertTableEntity(context, "history", account, entity(`i-${i}`, String(e).padStart(16, "0"), { EventType: "TaskCompleted", Seq: e }, `h${i}-${e}`), "");
    }
  }
  return timed(historyOps, async (i) => {
    const id = `i-${(i * 7919) % total}`;
    const [rows] = await store.queryTableEntities(context, account, "history", { filter: `PartitionKey eq '${id}'` }, undefined, undefined);
    return `${id}:${rows.length}:${rows.map((r) => r.eTag).join("")}`;
  });
}

/** Prints one table of stock against fixed, a row per N, medians of the runs; false when any run's answers differed. */
async function table(title, measure) {
  let same = true;
  console.log(title);
  console.log("cases N   stock ms/cycle   fixed ms/cycle   stock ÷ fixed");
  for (const cases of caseCounts) {
    const stock = [], fixed = [];
    for (let r = 0; r < runs; r++) {
      const a = await measure(false, cases);
      const b = await measure(true, cases);
      stock.push(a.ms);
      fixed.push(b.ms);
      if (a.answers !== b.answers) same = false;
    }
    const [s, f] = [median(stock), median(fixed)];
    console.log(`${String(cases).padEnd(9)} ${s.toFixed(3).padStart(14)} ${f.toFixed(3).padStart(16)} ${(s / f).toFixed(1).padStart(15)}`);
  }
  return same;
}

(async () => {
  const rows = await table(`Azurite table store: read a case row, merge it, read its audit head, with N cases held (${ops} cycles, median of ${runs} runs)`, run);
  const histories = await table(`Query one orchestration's history (${historyRows} rows), with N cases' histories held (${historyOps} cycles, median of ${runs} runs)`, runHistory);
  const same = rows && histories;
  console.log(same ? "both stores answered every read alike" : "THE STORES ANSWERED DIFFERENTLY");
  process.exit(same ? 0 : 1);
})();
