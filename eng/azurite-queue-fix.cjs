// The fix to Azurite's queue store that eng/azurite.cjs starts Azurite with (why: see that script). `apply()` installs it on
// Azurite's store classes, once; `oneAtATime(collection)` is the change itself. Two stores have collections that grow with
// the messages held: the queue metadata store (a row per message) and the extent metadata store (a row per stored body).
"use strict";
const path = require("node:path");

const dist = path.join(__dirname, "..", "node_modules", "azurite", "dist", "src");

/** The stores fixed, each with the property naming its collection that grows with the messages held. */
const fixed = [
  { file: path.join(dist, "queue", "persistence", "LokiQueueMetadataStore.js"), collection: "MESSAGES_COLLECTION" },
  { file: path.join(dist, "common", "persistence", "LokiExtentMetadataStore.js"), collection: "EXTENTS_COLLECTION" },
];

/**
 * Makes a LokiJS collection take a batch one document at a time (its indices kept up to date in place), and an empty batch
 * as nothing: an array handed to update or remove, and the positions a result set's remove (findAndRemove) hands over.
 */
function oneAtATime(collection) {
  const update = collection.update.bind(collection);
  const remove = collection.remove.bind(collection);
  // Over a copy: removing documents must not shift the array being walked.
  const each = (docs, one) => {
    for (const doc of [...docs]) one(doc);
  };
  collection.update = (doc) => (Array.isArray(doc) ? each(doc, update) : update(doc));
  collection.remove = (doc) => (Array.isArray(doc) ? each(doc, remove) : remove(doc));
  collection.removeBatchByPositions = (positions) => each(positions.map((at) => collection.data[at]), remove);
}

/**
 * Makes a find of one queue's messages ({ accountName, queueName, … }, the account first as Azurite writes it) start from
 * that queue's messages, through the collection's queueName index. LokiJS answers an object of several keys as an $and of
 * them in the object's order, the first through its index and the rest by testing every document it matched: by the
 * account, that is every message of every queue, so each receive and delete of a province queue's message tested the
 * thousands of durable timers held in the engine's control queues (twice: its store first clears the queue's expired
 * messages). The same documents match either way, and every such find in Azurite's queue store is sorted after (a receive,
 * a peek), counted, or removed, so nothing it answers changes.
 */
function queueFirst(collection) {
  const chain = collection.chain.bind(collection);
  collection.chain = (...args) => {
    const results = chain(...args);
    const find = results.find.bind(results);
    results.find = (query, ...rest) => find(oneQueue(query) ? { queueName: query.queueName, ...query } : query, ...rest);
    return results;
  };
}

/** A query of one account's queue's messages, the account first. */
function oneQueue(query) {
  return query !== null && typeof query === "object" && Object.keys(query)[0] === "accountName" && typeof query.queueName === "string";
}

/** Fixes a store instance's collection that grows with the messages held (the messages' also finds one queue's first). */
function fixCollection(store, property) {
  const collection = grown(store, property);
  oneAtATime(collection);
  if (property === "MESSAGES_COLLECTION") queueFirst(collection);
  return collection;
}

/** A store class of Azurite's (the stock one until apply() is called). */
function storeClass(file) {
  const store = require(file).default;
  if (typeof store?.prototype?.init !== "function") {
    throw new Error(`eng/azurite-queue-fix.cjs: ${path.basename(file)} has no init any more; review the fix for this Azurite version.`);
  }
  return store;
}

/** Azurite's queue metadata store class. */
const queueStore = () => storeClass(fixed[0].file);

/** Azurite's extent metadata store class (where a message's body is recorded). */
const extentStore = () => storeClass(fixed[1].file);

/** The collection of a store instance that the fix applies to (throws when the store has none). */
function grown(store, property) {
  const collection = store.db?.getCollection(store[property]);
  if (!collection) throw new Error(`eng/azurite-queue-fix.cjs: Azurite's ${property} was not found; review the fix for this Azurite version.`);
  return collection;
}

let applied = false;

/** Every such store Azurite creates from now on has its growing collection fixed when it initialises. */
function apply() {
  if (applied) return;
  applied = true;
  for (const { file, collection } of fixed) {
    const store = storeClass(file);
    const init = store.prototype.init;
    store.prototype.init = async function initWithFix(...args) {
      await init.apply(this, args);
      fixCollection(this, collection);
    };
  }
}

module.exports = { apply, fixCollection, oneAtATime, queueFirst, queueStore, extentStore, grown };
