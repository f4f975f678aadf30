/**
 * Model registry and nonces: an operator proposes a model, the account accepts it (ModelRegistered), either side may
 * unbind; NonceUsed follows the signed-intent nonces. Tables: modelProposal, model, modelBinding, account (models,
 * nonce), accountEvent.
 */
import { and, eq, isNull } from "ponder";
import { ponder } from "ponder:registry";
import { account, model, modelBinding, modelProposal } from "ponder:schema";
import { ZERO_MODEL, newAccount, recordAccountEvent } from "./shared";

/** Registry: an operator proposes, the account accepts (ModelRegistered), either side may unbind. */
ponder.on("PortfolioStake:ModelProposed", async ({ event, context }) => {
  const { account: to, modelId } = event.args;
  const row = { account: to, proposedAtBlock: event.block.number, txHash: event.transaction.hash };
  await context.db
    .insert(modelProposal)
    .values({ id: modelId, ...row })
    .onConflictDoUpdate(row);
  await recordAccountEvent(event, context, {
    account: to,
    kind: "model-proposed",
    detail: modelId,
  });
});

ponder.on("PortfolioStake:ModelProposalCancelled", async ({ event, context }) => {
  const { account: to, modelId } = event.args;
  const pending = await context.db.find(modelProposal, { id: modelId });
  if (pending?.account === to) await context.db.delete(modelProposal, { id: modelId });
  await recordAccountEvent(event, context, {
    account: to,
    kind: "model-proposal-cancelled",
    detail: modelId,
  });
});

ponder.on("PortfolioStake:ModelRegistered", async ({ event, context }) => {
  const { account: owner, modelId, slot } = event.args;
  // Accepting a proposal binds the model: the proposal is used up (the contract clears it without another event).
  if (await context.db.find(modelProposal, { id: modelId })) await context.db.delete(modelProposal, { id: modelId });
  const bound = { account: owner, slot, boundAtBlock: event.block.number };
  await context.db
    .insert(model)
    .values({ id: modelId, ...bound })
    .onConflictDoUpdate(bound);
  await context.db.insert(modelBinding).values({ id: event.id, model: modelId, ...bound });
  const models = (row: { models: `0x${string}`[] }) => {
    const list = [...row.models];
    while (list.length < slot) list.push(ZERO_MODEL);
    list[slot] = modelId; // a freed slot is reused first
    return list;
  };
  await context.db
    .insert(account)
    .values({ ...newAccount(owner), modelCount: slot + 1, models: models({ models: [] }) })
    .onConflictDoUpdate((row) => ({ modelCount: Math.max(row.modelCount, slot + 1), models: models(row) }));
  await recordAccountEvent(event, context, {
    account: owner,
    kind: "model-registered",
    detail: `${modelId}:${slot}`,
  });
});

ponder.on("PortfolioStake:ModelUnbound", async ({ event, context }) => {
  const { account: owner, modelId, slot, by } = event.args;
  await context.db.delete(model, { id: modelId });
  const bindings = await context.db.sql
    .select()
    .from(modelBinding)
    .where(and(eq(modelBinding.model, modelId), eq(modelBinding.account, owner), isNull(modelBinding.unboundAtBlock)));
  for (const b of bindings)
    await context.db.update(modelBinding, { id: b.id }).set({ unboundAtBlock: event.block.number, unboundBy: by });
  await context.db.update(account, { address: owner }).set((row) => {
    const models = [...row.models];
    models[slot] = ZERO_MODEL; // modelCount stays: it counts freed indexes too
    return { models };
  });
  await recordAccountEvent(event, context, {
    account: owner,
    kind: "model-unbound",
    detail: `${modelId}:${slot}:${by}`,
  });
});

/** nonces(staker) is the used nonce + 1 (every use is in order; invalidateNonces jumps ahead). */
ponder.on("PortfolioStake:NonceUsed", async ({ event, context }) => {
  const { staker, nonce } = event.args;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), nonce: nonce + 1n })
    .onConflictDoUpdate({ nonce: nonce + 1n });
  // Kept as an account event: alone in its transaction it is invalidateNonces (readers drop the others, whose own
  // event in the same transaction says what happened).
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "nonce-used",
    detail: String(nonce),
  });
});
