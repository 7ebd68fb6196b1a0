// The fix to Azurite's table store that eng/azurite.cjs starts Azurite with. `apply()` installs it on Azurite's table
// store class, once; `narrowerKeyFirst(collection)` is the change itself.
//
// Azurite keeps a table's entities in one LokiJS collection with a binary index on PartitionKey and one on RowKey, and finds
// an entity (a point read, and the look-up before every insert, merge, replace and delete, batches included) with
// `findOne({ RowKey, PartitionKey })`. LokiJS answers an object of two keys as an $and of them in the object's order: the
// first through its index, the second by testing every document the first matched. So a point read costs as many tests as
// the table holds entities with that RowKey. Where each partition holds one kind of row under a fixed RowKey (a case row
// "case" per case partition, an audit trail's "head", the engine's instance rows ""), that is every entity of that kind
// in the table, and each point read grows with the table. Here a point look-up takes the key with fewer matches first
// (two binary searches of the indices LokiJS keeps anyway); an entity is unique by its two keys, so the one found is the
// same. What is stored and answered is unchanged (eng/azurite-table-fix.check.cjs holds both to that).
"use strict";
const path = require("node:path");

const file = path.join(__dirname, "..", "node_modules", "azurite", "dist", "src", "table", "persistence", "LokiTableMetadataStore.js");

const fixedMark = Symbol.for("tongban.azurite.narrowerKeyFirst");

/** How many documents hold `value` in `key`, from the collection's binary index (undefined when there is none to ask). */
function matches(collection, key, value) {
  const index = collection.binaryIndices?.[key];
  if (!index || collection.data.length === 0) return undefined;
  // As LokiJS's own find does before it uses an index: rebuilt only when a batch left it dirty.
  if (index.dirty) collection.ensureIndex(key);
  const [start, end] = collection.calculateRange("$eq", key, value);
  return end - start + 1;
}

/** Makes an entity collection's point look-ups ({ RowKey, PartitionKey } of strings) start with the narrower key. */
function narrowerKeyFirst(collection) {
  if (collection[fixedMark]) return collection;
  const findOne = collection.findOne.bind(collection);
  collection.findOne = (query) =>
    isPointLookup(query) && firstKey(collection, query) === "PartitionKey"
      ? findOne({ PartitionKey: query.PartitionKey, RowKey: query.RowKey })
      : findOne(query);
  collection[fixedMark] = true;
  return collection;
}

/** The key a point look-up starts with: RowKey (Azurite's order) unless fewer entities hold its PartitionKey. */
function firstKey(collection, query) {
  const byPartition = matches(collection, "PartitionKey", query.PartitionKey);
  const byRow = matches(collection, "RowKey", query.RowKey);
  return byPartition !== undefined && byRow !== undefined && byPartition < byRow ? "PartitionKey" : "RowKey";
}

function isPointLookup(query) {
  if (query === null || typeof query !== "object") return false;
  const keys = Object.keys(query);
  return keys.length === 2 && typeof query.PartitionKey === "string" && typeof query.RowKey === "string";
}

/** Azurite's table metadata store class (the stock one until apply() is called). */
function tableStore() {
  const store = require(file).default;
  if (typeof store?.prototype?.getEntityCollection !== "function") {
    throw new Error("eng/azurite-table-fix.cjs: LokiTableMetadataStore has no getEntityCollection any more; review the fix for this Azurite version.");
  }
  return store;
}

/** A store's getEntityCollection that hands out its collections with their point look-ups fixed. */
function withFix(getEntityCollection) {
  return function getEntityCollectionWithFix(...args) {
    return narrowerKeyFirst(getEntityCollection.apply(this, args));
  };
}

/** Fixes one store instance (the check script compares a stock store with one fixed this way). */
function fixStore(store) {
  store.getEntityCollection = withFix(store.getEntityCollection);
  return store;
}

let applied = false;

/** Every table store Azurite creates from now on hands out entity collections with their point look-ups fixed. */
function apply() {
  if (applied) return;
  applied = true;
  const store = tableStore();
  store.prototype.getEntityCollection = withFix(store.prototype.getEntityCollection);
}

module.exports = { apply, fixStore, firstKey, narrowerKeyFirst, tableStore };
