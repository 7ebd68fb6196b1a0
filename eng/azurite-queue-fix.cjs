// The fix to Azurite's queue store that eng/azurite.cjs starts Azurite with (why: see that script). `apply()` installs it on
// Azurite's LokiQueueMetadataStore class, once; `oneAtATime(collection)` is the change itself.
"use strict";
const path = require("node:path");

const storePath = path.join(__dirname, "..", "node_modules", "azurite", "dist", "src", "queue", "persistence", "LokiQueueMetadataStore.js");

/** Makes a LokiJS collection take arrays one document at a time (indices kept up to date in place), and an empty array as nothing. */
function oneAtATime(collection) {
  for (const name of ["update", "remove"]) {
    const single = collection[name].bind(collection);
    collection[name] = (doc) => {
      if (!Array.isArray(doc)) return single(doc);
      // A copy: removing documents must not shift the array being walked should a caller pass one the collection owns.
      for (const each of [...doc]) single(each);
      return undefined;
    };
  }
}

/** Azurite's queue metadata store class (the stock one until apply() is called). */
function storeClass() {
  const store = require(storePath).default;
  if (typeof store?.prototype?.init !== "function") {
    throw new Error("eng/azurite-queue-fix.cjs: Azurite's LokiQueueMetadataStore.init is gone; review the queue store fix for this Azurite version.");
  }
  return store;
}

let applied = false;

/** Every queue store Azurite creates from now on has its messages collection fixed when it initialises. */
function apply() {
  if (applied) return;
  applied = true;
  const store = storeClass();
  const init = store.prototype.init;
  store.prototype.init = async function initWithFix(...args) {
    await init.apply(this, args);
    const messages = this.db?.getCollection(this.MESSAGES_COLLECTION);
    if (!messages) {
      throw new Error("eng/azurite-queue-fix.cjs: Azurite's queue messages collection was not found; review the queue store fix for this Azurite version.");
    }
    oneAtATime(messages);
  };
}

module.exports = { apply, oneAtATime, storeClass };
