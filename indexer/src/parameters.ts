/**
 * Contract parameters as last set. Table: parameter.
 */
import { ponder } from "ponder:registry";
import { hexToString } from "viem";
import { parameter } from "ponder:schema";

ponder.on("PortfolioStake:ParameterUpdated", async ({ event, context }) => {
  const name = hexToString(event.args.name, { size: 32 });
  const row = { value: event.args.newValue, address: null, blockNumber: event.block.number };
  await context.db
    .insert(parameter)
    .values({ name, ...row })
    .onConflictDoUpdate(row);
});

ponder.on("PortfolioStake:BurnConfigured", async ({ event, context }) => {
  const { mode, sink } = event.args;
  const rows = [
    { name: "burnMode", value: BigInt(mode), address: null },
    { name: "burnSink", value: 0n, address: sink },
  ];
  for (const { name, ...row } of rows)
    await context.db
      .insert(parameter)
      .values({ name, ...row, blockNumber: event.block.number })
      .onConflictDoUpdate({ ...row, blockNumber: event.block.number });
});
