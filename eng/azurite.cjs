#!/usr/bin/env node
// Starts Azurite (node_modules/azurite, pinned in package-lock.json) with two fixes, one to its queue store and one to its
// table store, then hands over to Azurite's own entry point with the same arguments: `node eng/azurite.cjs [azurite options]`.
// The project's callers (AzuriteLauncher, `npm run azurite`) pass --disableTelemetry: Azurite otherwise reports every
// request it serves to Microsoft's Application Insights, and spends its one thread's time doing so.
//
// The table store fix (azurite-table-fix.cjs, checked by azurite-table-fix.check.cjs): a point look-up of an entity starts
// with the narrower of its two keys, where Azurite's always starts with the RowKey and tests every entity holding it.
//
// The queue store fix (bench/README.md, "Where Azurite's CPU goes under overload"): Azurite keeps every message of every queue in one
// LokiJS collection with four binary indices. Its queue store hands that collection arrays: `remove(docs)` of the expired
// messages at the start of every receive, delete and update (an empty array almost always), and `update(docs)` of the
// messages a receive takes. LokiJS treats an array as a batch: it marks all four indices dirty (the remove, even of
// nothing) or rebuilds them on the spot (the update), and the next query re-sorts every message stored in every queue.
// So each queue operation cost O(N log N) in N, the messages stored at once; with a thousand cases' durable timers held
// invisible in the control queues, Azurite's one thread spent three quarters of its time sorting. The extent store's
// records of message bodies did the same through `findAndRemove`. Here both collections take a batch one document at a
// time, so LokiJS keeps their indices up to date in place (its adaptive indices, the collections' default) and an empty
// batch costs nothing. What is stored and answered is unchanged (eng/azurite-queue-fix.check.cjs holds both to that).
//
// The fix is in azurite-queue-fix.cjs; bench/azurite-queue.cjs measures the store with and without it. A newer Azurite
// that no longer has this store or collection fails the start loudly (the launcher reports it) rather than running
// without the fix unnoticed.
"use strict";
require("./azurite-queue-fix.cjs").apply();
require("./azurite-table-fix.cjs").apply();
require(require("node:path").join(__dirname, "..", "node_modules", "azurite", "dist", "src", "azurite.js"));
