/** The portfolio methods the evaluation and the CLI know, in the order of the table. */
import { classicMethod } from "./classic";
import { correlationPenalized } from "./correlationPenalty";
import type { PortfolioMethod } from "./method";
import { minVariance } from "./minVariance";
import { riskParity } from "./riskParity";
import { tangency } from "./tangency";

export const PORTFOLIO_METHODS: readonly PortfolioMethod[] = [
  classicMethod("equal"),
  classicMethod("inverse-volatility"),
  classicMethod("probability"),
  minVariance,
  tangency,
  riskParity,
  correlationPenalized(),
];
