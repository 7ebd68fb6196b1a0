#!/usr/bin/env node
// Checks that the queue store fix (azurite-queue-fix.cjs) changes nothing Azurite answers: the same scripted sequence of
// queue operations (and of message body records, in the extent store) runs on a stock store and on a fixed one, and every
// answer (messages, dequeue counts, pop receipts, errors, counts, listings) must be the same. Prints one line per operation
// compared and "alike: N operations", and exits 1 at the first difference. Run by Tongban.Tests (AzuriteQueueFixTests).
"use strict";
const fix = require("./azurite-queue-fix.cjs");
const { compareStores, countCalls, run } = require("./azurite-fix-check.cjs");

const account = "devstoreaccount1";
const t0 = Date.parse("2026-01-01T00:00:00Z");
const now = Date.now();
const day = 24 * 3600 * 1000;

const message = (queueName, id, visibleAt, expiresAt = now + 7 * day) => ({
  accountName: account, queueName, messageId: id, popReceipt: `put-${id}`, timeNextVisible: new Date(visibleAt),
  persistency: { id: "extent", offset: 0, count: 1 }, insertionTime: new Date(t0), expirationTime: new Date(expiresAt), dequeueCount: 0,
});
const shown = (messages) => messages.map((m) => `${m.queueName}/${m.messageId}#${m.dequeueCount}@${m.popReceipt}`).join(",");

/** The script: each step takes a store and returns what it answered, as text. */
const steps = [
  ["create queues", async (s) => [await s.createQueue({ accountName: account, name: "work", metadata: undefined }),
    await s.createQueue({ accountName: account, name: "timers", metadata: undefined })].join(",")],
  ["hold 300 invisible messages", async (s) => {
    for (let i = 0; i < 300; i++) await s.insertMessage(message("timers", `timer-${i}`, now + day + i));
    return String(await s.getMessagesCount(account, "timers"));
  }],
  ["put 6 visible", async (s) => {
    for (let i = 0; i < 6; i++) await s.insertMessage(message("work", `w-${i}`, now - 1000 + i));
    return String(await s.getMessagesCount(account, "work"));
  }],
  ["put 2 already expired", async (s) => {
    for (let i = 0; i < 2; i++) await s.insertMessage(message("work", `gone-${i}`, now - 5000, now - 1));
    return "";
  }],
  ["peek 3", async (s) => shown(await s.peekMessages(account, "work", 3, new Date(now)))],
  ["receive 2 (expired ones removed first)", async (s) => shown(await s.getMessages(account, "work", new Date(now + 30_000), "r1", 2, new Date(now)))],
  ["count after the expired went", async (s) => String(await s.getMessagesCount(account, "work"))],
  ["receive 3 more", async (s) => shown(await s.getMessages(account, "work", new Date(now + 30_000), "r2", 3, new Date(now)))],
  ["receive again after the visibility ran out", async (s) => shown(await s.getMessages(account, "work", new Date(now + 90_000), "r3", 10, new Date(now + 60_000)))],
  ["delete with a stale pop receipt", async (s) => s.deleteMessage(account, "work", "w-0", "r1").then(() => "deleted", (e) => `error ${e.statusCode} ${e.storageErrorCode}`)],
  ["delete with the latest pop receipt", async (s) => s.deleteMessage(account, "work", "w-0", "r3").then(() => "deleted", (e) => `error ${e.statusCode} ${e.storageErrorCode}`)],
  ["delete one not there", async (s) => s.deleteMessage(account, "work", "w-0", "r3").then(() => "deleted", (e) => `error ${e.statusCode} ${e.storageErrorCode}`)],
  ["update a message's visibility", async (s) => {
    await s.updateMessage({ accountName: account, queueName: "work", messageId: "w-1", popReceipt: "u1", timeNextVisible: new Date(now + 120_000) }, "r3");
    return shown(await s.peekMessages(account, "work", 10, new Date(now + 100_000)));
  }],
  ["receive the timers once due", async (s) => shown(await s.getMessages(account, "timers", new Date(now + 2 * day), "t1", 32, new Date(now + day + 100)))],
  ["delete every timer received", async (s) => {
    const got = await s.getMessages(account, "timers", new Date(now + 3 * day), "t2", 32, new Date(now + 2 * day + 1));
    for (const m of got) await s.deleteMessage(account, "timers", m.messageId, "t2");
    return `${got.length} deleted, ${await s.getMessagesCount(account, "timers")} left`;
  }],
  ["clear a queue", async (s) => {
    await s.clearMessages(account, "work");
    return `${await s.getMessagesCount(account, "work")} in work, ${await s.getMessagesCount(account, "timers")} in timers`;
  }],
  ["delete a queue with its messages", async (s) => {
    await s.deleteQueue(account, "timers");
    return String(s.db.getCollection(s.MESSAGES_COLLECTION).count());
  }],
];

/** The extent store's script: bodies recorded, some deleted (as Azurite's collector does), the rest listed in pages. */
const extentSteps = [
  ["record 200 bodies", async (s) => {
    for (let i = 0; i < 200; i++) await s.updateExtent({ id: `x-${i}`, locationId: "memory", path: `x-${i}`, size: i, lastModifiedInMS: t0 + i });
    return String(s.db.getCollection(s.EXTENTS_COLLECTION).count());
  }],
  ["grow one body", async (s) => {
    await s.updateExtent({ id: "x-7", locationId: "memory", path: "x-7", size: 700, lastModifiedInMS: t0 + 700 });
    return (await s.listExtents("x-7"))[0].map((e) => `${e.id}:${e.size}`).join(",");
  }],
  ["delete every third body", async (s) => {
    for (let i = 0; i < 200; i += 3) await s.deleteExtent(`x-${i}`);
    return String(s.db.getCollection(s.EXTENTS_COLLECTION).count());
  }],
  ["list the rest in pages of 50", async (s) => {
    const ids = [];
    let marker;
    do {
      const [page, next] = await s.listExtents(undefined, 50, marker, new Date(t0 + 1000), 0);
      ids.push(...page.map((e) => e.id));
      marker = next;
    } while (marker !== undefined);
    return `${ids.length}: ${ids.slice(0, 5).join(",")} … ${ids.slice(-3).join(",")}`;
  }],
  ["where a deleted body was", async (s) => s.getExtentLocationId("x-3").then((l) => String(l), (e) => `error ${e.message}`)],
];

/** Runs a script on a stock store and a fixed one, stopping at the first answer that differs; returns how many compared. */
async function compare(Store, property, script) {
  const stock = new Store(`check-stock-${property}`, true);
  const fixed = new Store(`check-fixed-${property}`, true);
  await stock.init();
  await fixed.init();
  fix.fixCollection(fixed, property);
  return compareStores(stock, fixed, script);
}

const { LokiOps } = require(require("node:path").join(__dirname, "..", "node_modules", "lokijs"));

/**
 * How many tests of a message against a term of the query a receive from a queue of 2 makes, with 300 invisible messages
 * held in another queue: the find starts from the account's messages (all 302) in the stock store, from the queue's in the
 * fixed one; and it runs twice, once for the expired messages cleared first and once for the receive.
 */
async function messagesTested(Store, fixed) {
  const store = new Store(`tested-${fixed}`, true);
  await store.init();
  if (fixed) fix.fixCollection(store, "MESSAGES_COLLECTION");
  for (const name of ["work", "timers"]) await store.createQueue({ accountName: account, name, metadata: undefined });
  for (let i = 0; i < 300; i++) await store.insertMessage(message("timers", `timer-${i}`, now + day + i));
  for (let i = 0; i < 2; i++) await store.insertMessage(message("work", `w-${i}`, now - 1000 + i));
  // Every test LokiJS makes of a document against a term of the query (an index's own search is not one).
  return countCalls(LokiOps, ["$eq", "$lte"], () => store.getMessages(account, "work", new Date(now + 30_000), "r", 1, new Date(now)));
}

run(async () => {
  const compared = await compare(fix.queueStore(), "MESSAGES_COLLECTION", steps) + await compare(fix.extentStore(), "EXTENTS_COLLECTION", extentSteps);
  console.log(`alike: ${compared} operations`);
  console.log(`tests of a message by a receive from a queue of 2, 300 held in another: stock ${await messagesTested(fix.queueStore(), false)}, `
    + `fixed ${await messagesTested(fix.queueStore(), true)}`);
});
