#!/usr/bin/env node
// Checks that the table store fix (azurite-table-fix.cjs) changes nothing Azurite answers: the same scripted sequence of
// entity operations runs on a stock table store and on a fixed one, and every answer (entities found, properties, ETags,
// errors, counts, a failed batch rolled back, queries pinned to a partition and not, read in pages) must be the same. The
// rows are laid out as the hub's and the engine's are: one row kind under a fixed RowKey in many partitions, and one
// partition of many rows. Prints one line per operation compared and "alike: N operations", and exits 1 at the first
// difference; then how many entities one partition's query tests in each store. Run by Tongban.Tests (AzuriteTableFixTests).
"use strict";
const path = require("node:path");
const fix = require("./azurite-table-fix.cjs");
const { compareStores, countCalls, run } = require("./azurite-fix-check.cjs");

const account = "devstoreaccount1";
const table = "cases";
const context = { contextID: "check" };
const t0 = Date.parse("2026-01-01T00:00:00Z");

const entity = (pk, rk, properties, tag) => ({
  PartitionKey: pk, RowKey: rk, properties: { PartitionKey: pk, RowKey: rk, ...properties },
  lastModifiedTime: new Date(t0).toISOString(), eTag: `W/"${tag}"`,
});
const shown = (doc) => (doc ? `${doc.PartitionKey}/${doc.RowKey} ${doc.eTag} ${JSON.stringify(doc.properties)}` : "none");
const failed = (e) => `error ${e.statusCode} ${e.storageErrorCode}`;
const read = (s, pk, rk) => s.queryTableEntitiesWithPartitionAndRowKey(context, table, account, pk, rk, "").then(shown);
const count = (s) => String(s.getEntityCollection(account, table, context).count());

/** The script: each step takes a store and returns what it answered, as text. */
const steps = [
  ["create the table", async (s) => { await s.createTable(context, { account, table }); return count(s); }],
  ["300 case rows, one per partition, all under RowKey case", async (s) => {
    for (let i = 0; i < 300; i++) await s.insertTableEntity(context, table, account, entity(`c-${i}`, "case", { Status: "Open", N: i }, `c${i}`), "");
    return count(s);
  }],
  ["an outbox row in every third case's partition", async (s) => {
    for (let i = 0; i < 300; i += 3) await s.insertTableEntity(context, table, account, entity(`c-${i}`, "outbox", { To: `cb-${i}` }, `o${i}`), "");
    return count(s);
  }],
  ["one partition of 300 index rows, RowKey the case", async (s) => {
    for (let i = 0; i < 300; i++) await s.insertTableEntity(context, table, account, entity("index-310000", `c-${i}`, { Status: "Open" }, `i${i}`), "");
    return count(s);
  }],
  ["read a case row", (s) => read(s, "c-7", "case")],
  ["read an outbox row", (s) => read(s, "c-9", "outbox")],
  ["read an outbox row not there", (s) => read(s, "c-10", "outbox")],
  ["read an index row", (s) => read(s, "index-310000", "c-123")],
  ["both keys stored, never together", (s) => read(s, "c-5", "c-5")],
  ["a partition not there", (s) => read(s, "c-999", "case")],
  ["a RowKey not there", (s) => read(s, "c-1", "head")],
  ["insert a row already there", (s) => s.insertTableEntity(context, table, account, entity("c-3", "case", {}, "dup"), "").then(shown, failed)],
  ["merge with the row's ETag", async (s) => {
    await s.mergeTableEntity(context, table, account, entity("c-4", "case", { Status: "Done" }, "c4-2"), 'W/"c4"', "");
    return read(s, "c-4", "case");
  }],
  ["merge with a stale ETag", (s) => s.mergeTableEntity(context, table, account, entity("c-4", "case", { Status: "Late" }, "c4-3"), 'W/"c4"', "").then(shown, failed)],
  ["merge a row not there", (s) => s.mergeTableEntity(context, table, account, entity("c-4", "nope", {}, "x"), "*", "").then(shown, failed)],
  ["replace with *", async (s) => {
    await s.updateTableEntity(context, table, account, entity("index-310000", "c-8", { Status: "Closed" }, "i8-2"), "*", "");
    return read(s, "index-310000", "c-8");
  }],
  ["upsert by merge: one there, one new", async (s) => {
    await s.insertOrMergeTableEntity(context, table, account, entity("c-6", "case", { Extra: 1 }, "c6-2"), undefined, "");
    await s.insertOrMergeTableEntity(context, table, account, entity("c-300", "case", { Status: "Open" }, "c300"), undefined, "");
    return `${await read(s, "c-6", "case")}; ${await read(s, "c-300", "case")}; ${count(s)}`;
  }],
  ["upsert by replace: one there, one new", async (s) => {
    await s.insertOrUpdateTableEntity(context, table, account, entity("index-310000", "c-9", { Status: "Gone" }, "i9-2"), undefined, "");
    await s.insertOrUpdateTableEntity(context, table, account, entity("index-310000", "c-300", { Status: "Open" }, "i300"), undefined, "");
    return `${await read(s, "index-310000", "c-9")}; ${await read(s, "index-310000", "c-300")}; ${count(s)}`;
  }],
  ["delete with a stale ETag", (s) => s.deleteTableEntity(context, table, account, "c-2", "case", 'W/"old"', "").then(() => "deleted", failed)],
  ["delete with the row's ETag", async (s) => {
    await s.deleteTableEntity(context, table, account, "c-2", "case", 'W/"c2"', "");
    return `${await read(s, "c-2", "case")}; ${count(s)}`;
  }],
  ["delete a row not there", (s) => s.deleteTableEntity(context, table, account, "c-2", "case", "*", "").then(() => "deleted", failed)],
  ["a failed batch is rolled back", async (s) => {
    await s.beginBatchTransaction("b1");
    await s.insertTableEntity(context, table, account, entity("c-11", "outbox", { To: "cb-11" }, "o11"), "b1");
    await s.mergeTableEntity(context, table, account, entity("c-11", "case", { Status: "Done" }, "c11-2"), 'W/"c11"', "b1");
    await s.endBatchTransaction(account, table, "b1", context, false);
    return `${await read(s, "c-11", "case")}; ${await read(s, "c-11", "outbox")}; ${count(s)}`;
  }],
  ["a partition listed", async (s) => {
    const [rows] = await s.queryTableEntities(context, account, table, { filter: "PartitionKey eq 'c-12'" }, undefined, undefined);
    return rows.map(shown).join(" | ");
  }],
  // Queries: those that pin one partition start from it in the fixed store; the others are Azurite's as they were.
  ["a partition's rows from a RowKey on", (s) => query(s, "PartitionKey eq 'index-310000' and RowKey ge 'c-295'")],
  ["the key written after its value", (s) => query(s, "'c-12' eq PartitionKey")],
  ["a partition and a property", (s) => query(s, "(Status eq 'Open') and (PartitionKey eq 'c-15' and RowKey ne 'outbox')")],
  ["a partition not there", (s) => query(s, "PartitionKey eq 'c-999'")],
  ["a partition or another (pins none)", (s) => query(s, "PartitionKey eq 'c-21' or PartitionKey eq 'c-22'")],
  ["not a partition (pins none)", (s) => query(s, "not (PartitionKey eq 'c-21')")],
  ["a RowKey alone (pins none)", (s) => query(s, "RowKey eq 'outbox'")],
  ["two partitions pinned at once", (s) => query(s, "PartitionKey eq 'c-21' and PartitionKey eq 'c-22'")],
  ["a filter that does not parse", (s) => query(s, "PartitionKey eq").catch(failed)],
  ["a partition read in pages of 120", async (s) => {
    const pages = [];
    let [next, nextRow] = [undefined, undefined];
    do {
      const [rows, pk, rk] = await s.queryTableEntities(context, account, table, { filter: "PartitionKey eq 'index-310000'", top: 120 }, next, nextRow);
      pages.push(listed(rows));
      [next, nextRow] = [pk, rk];
    } while (next !== undefined);
    return pages.join(" / ");
  }],
];

/** A query's rows, as a count and the first and last (a partition of 300 would be too long a line). */
const listed = (rows) => `${rows.length} rows: ${rows.length === 0 ? "" : `${shown(rows[0])} … ${shown(rows[rows.length - 1])}`}`;
const query = (s, filter) => s.queryTableEntities(context, account, table, { filter }, undefined, undefined).then(([rows]) => listed(rows));

/** Runs the script on a stock store and a fixed one, stopping at the first answer that differs; returns how many compared, and both stores. */
async function compare(Store, script) {
  const stock = new Store("check-stock-table", true);
  const fixed = fix.fixStore(new Store("check-fixed-table", true));
  await stock.init();
  await fixed.init();
  return [await compareStores(stock, fixed, script), stock, fixed];
}

const EqualsNode = require(path.join(__dirname, "..", "node_modules", "azurite", "dist", "src", "table", "persistence", "QueryInterpreter", "QueryNodes",
  "EqualsNode.js")).default;

/** How many times a store's query of `filter` tests an `eq` of it on an entity: each entity the query looks at, once. */
const filterTests = (store, filter) =>
  countCalls(EqualsNode.prototype, ["evaluate"], () => store.queryTableEntities(context, account, table, { filter }, undefined, undefined));

/** Which key each kind of point look-up starts with on a fixed store holding the script's rows. */
function firstKeys(store) {
  const collection = store.getEntityCollection(account, table, context);
  const first = (pk, rk) => `${pk}/${rk} by ${fix.firstKey(collection, { PartitionKey: pk, RowKey: rk })}`;
  return [first("c-7", "case"), first("index-310000", "c-123"), first("c-5", "outbox")].join(", ");
}

/** Which partition a few filters pin (undefined: none, so the query tests every entity as Azurite's does). */
function pins() {
  return ["PartitionKey eq 'h-1'", "(RowKey ge '0') and (PartitionKey eq 'h-2')", "PartitionKey eq 'a' or PartitionKey eq 'b'", "PartitionKey gt 'a'",
    "Status eq 'PartitionKey'", "PartitionKey eq"].map((f) => `${f} → ${fix.pinnedPartition(f) ?? "none"}`).join("; ");
}

run(async () => {
  const [compared, stock, fixed] = await compare(fix.tableStore(), steps);
  console.log(`first keys: ${firstKeys(fixed)}`);
  console.log(`pins: ${pins()}`);
  const one = "PartitionKey eq 'c-12'";
  console.log(`entities tested by ${one}: stock ${await filterTests(stock, one)}, fixed ${await filterTests(fixed, one)} (of ${count(stock)})`);
  console.log(`alike: ${compared} operations`);
});
