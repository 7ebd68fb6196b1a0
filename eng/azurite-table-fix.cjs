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
// same.
//
// A query (`queryTableEntities`) was worse: Azurite tests its filter on every entity of the table (`chain().where(filter)`),
// so reading one partition, as the engine reads an orchestration's history before a turn, cost as many tests as the table
// holds rows; with a thousand cases' histories that is tens of thousands per read. A filter that pins the PartitionKey to one
// string (`PartitionKey eq 'x'`, alone or as one of the terms joined by `and` at its top) can only match that partition's
// entities: here the query starts from them, found through the PartitionKey index, and Azurite's filter, paging and order
// run on those as before (`pinnedPartition(filter)`).
//
// What is stored and answered is unchanged (eng/azurite-table-fix.check.cjs holds both fixes to that).
"use strict";
const path = require("node:path");

const persistence = path.join(__dirname, "..", "node_modules", "azurite", "dist", "src", "table", "persistence");
const file = path.join(persistence, "LokiTableMetadataStore.js");
const parse = require(path.join(persistence, "QueryInterpreter", "QueryParser.js")).default;

/** The terms joined by `and` at the top of a parsed filter. */
function conjuncts(node) {
  return node?.name === "and" ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

/** The string `filter` pins the PartitionKey to (a top-level `PartitionKey eq 'x'`, either way round), else undefined. */
function pinnedPartition(filter) {
  if (typeof filter !== "string" || !filter.includes("PartitionKey")) return undefined;
  let tree;
  try {
    tree = parse(filter);
  } catch {
    return undefined; // Azurite's own parse of it answers the error
  }
  for (const term of conjuncts(tree)) {
    if (term?.name !== "eq") continue;
    for (const [key, value] of [[term.left, term.right], [term.right, term.left]]) {
      if (key?.name === "id" && key.identifier === "PartitionKey" && value?.name === "constant" && typeof value.value === "string") return value.value;
    }
  }
  return undefined;
}

/** The partition the query being started pins, for its collection's chain() alone (set and cleared around its synchronous start). */
let pinned;

/** A store's queryTableEntities whose query starts from the partition its filter pins. */
function withPinnedPartition(queryTableEntities) {
  return function queryTableEntitiesFromPartition(context, account, table, queryOptions, ...rest) {
    pinned = pinnedPartition(queryOptions?.filter);
    try {
      return queryTableEntities.call(this, context, account, table, queryOptions, ...rest);
    } finally {
      pinned = undefined;
    }
  };
}

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

/**
 * Makes an entity collection's point look-ups ({ RowKey, PartitionKey } of strings) start with the narrower key, and the
 * chain a query pinned to one partition starts (see withPinnedPartition) begin with that partition's entities.
 */
function narrowerKeyFirst(collection) {
  if (collection[fixedMark]) return collection;
  const findOne = collection.findOne.bind(collection);
  collection.findOne = (query) =>
    isPointLookup(query) && firstKey(collection, query) === "PartitionKey"
      ? findOne({ PartitionKey: query.PartitionKey, RowKey: query.RowKey })
      : findOne(query);
  const chain = collection.chain.bind(collection);
  collection.chain = (...args) => {
    const partition = pinned;
    pinned = undefined;
    const results = chain(...args);
    return partition === undefined || args.length > 0 ? results : results.find({ PartitionKey: partition });
  };
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
  if (typeof store?.prototype?.getEntityCollection !== "function" || typeof store.prototype.queryTableEntities !== "function") {
    throw new Error("eng/azurite-table-fix.cjs: LokiTableMetadataStore has no getEntityCollection or queryTableEntities any more; review the fix for this Azurite version.");
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
  store.queryTableEntities = withPinnedPartition(store.queryTableEntities);
  return store;
}

let applied = false;

/** Every table store Azurite creates from now on hands out entity collections with their point look-ups fixed. */
function apply() {
  if (applied) return;
  applied = true;
  const store = tableStore();
  store.prototype.getEntityCollection = withFix(store.prototype.getEntityCollection);
  store.prototype.queryTableEntities = withPinnedPartition(store.prototype.queryTableEntities);
}

module.exports = { apply, fixStore, firstKey, narrowerKeyFirst, pinnedPartition, tableStore };
