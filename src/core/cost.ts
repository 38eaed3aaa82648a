// How a cost is shown. Codex reports tokens but no cost: samocode computes it from CODEX_PRICE, and such a figure is
// marked as an estimate wherever it appears (`~$0.45 est.`), so it is never mistaken for what the provider billed. Pure.

/** `$0.0841`, or `~$0.45 est.` when any part of it was computed from a price table. */
export function formatCost(usd: number, estimated: boolean | undefined, digits = 2): string {
  const amount = `$${usd.toFixed(digits)}`;
  return estimated ? `~${amount} est.` : amount;
}
