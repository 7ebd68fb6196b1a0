#!/usr/bin/env node
// Azurite's queue store with and without the project's fix (eng/azurite-queue-fix.cjs), on the store itself (no HTTP):
// `node bench/azurite-queue.cjs [--held 0,1000,3000,7000] [--ops 400] [--runs 3]`.
//
// Each run holds N invisible messages in other queues (what a thousand open cases' durable timers are in the engine's
// control queues), then times a work queue's cycle as a worker runs it: put a message, receive it, delete it. Prints
// the median time per cycle (ms) over the runs, stock and fixed, and their ratio; and checks that both stores answered
// every receive alike (same messages, same dequeue counts), else exits 1.
"use strict";
const fix = require("../eng/azurite-queue-fix.cjs");
const { arg, median } = require("./cjs-args.cjs");

const heldCounts = arg("held", "0,1000,3000,7000").split(",").map(Number);
const ops = Number(arg("ops", "400"));
const runs = Number(arg("runs", "3"));
const account = "devstoreaccount1";
const day = 24 * 3600 * 1000;

function message(queueName, id, visibleAt, now) {
  return {
    accountName: account, queueName, messageId: id, popReceipt: "put", timeNextVisible: new Date(visibleAt),
    persistency: { id: "extent", offset: 0, count: 1 }, insertionTime: new Date(now), expirationTime: new Date(now + 7 * day), dequeueCount: 0,
  };
}

async function run(fixed, held) {
  const Store = fix.queueStore();
  const store = new Store(`queue-bench-${fixed}-${held}`, true);
  await store.init();
  if (fixed) fix.fixCollection(store, "MESSAGES_COLLECTION");
  const queue = (name) => store.createQueue({ accountName: account, name, metadata: undefined });
  for (let p = 0; p < 4; p++) await queue(`control-0${p}`);
  await queue("work");
  const now = Date.now();
  // Held: invisible for a day, as a durable timer is until it is due.
  for (let i = 0; i < held; i++) await store.insertMessage(message(`control-0${i % 4}`, `held-${i}`, now + day, now));
  const answers = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    await store.insertMessage(message("work", `work-${i}`, Date.now() - 1, Date.now()));
    const [got] = await store.getMessages(account, "work", new Date(Date.now() + 30_000), `receipt-${i}`, 1);
    answers.push(`${got?.messageId}:${got?.dequeueCount}`);
    await store.deleteMessage(account, "work", got.messageId, `receipt-${i}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / ops;
  const left = store.db.getCollection(store.MESSAGES_COLLECTION).count();
  return { ms, answers: answers.join(","), left };
}

(async () => {
  let same = true;
  console.log(`Azurite queue store: a put-receive-delete cycle on one queue with N messages held in others (${ops} cycles, median of ${runs} runs)`);
  console.log("held N    stock ms/cycle   fixed ms/cycle   stock ÷ fixed");
  for (const held of heldCounts) {
    const stock = [], fixed = [];
    for (let r = 0; r < runs; r++) {
      const a = await run(false, held);
      const b = await run(true, held);
      stock.push(a.ms);
      fixed.push(b.ms);
      if (a.answers !== b.answers || a.left !== b.left || a.left !== held) same = false;
    }
    const [s, f] = [median(stock), median(fixed)];
    console.log(`${String(held).padEnd(9)} ${s.toFixed(3).padStart(14)} ${f.toFixed(3).padStart(16)} ${(s / f).toFixed(1).padStart(15)}`);
  }
  console.log(same ? "both stores answered every receive alike" : "THE STORES ANSWERED DIFFERENTLY");
  process.exit(same ? 0 : 1);
})();
