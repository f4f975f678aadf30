/**
 * What the development wallet's prompt shows for a transaction: the function and its decoded arguments in the
 * app's terms (weights per model name in %, amounts in NMR, spender and accounts by name), so that the user confirms
 * what is really sent, not a function name. Pure: the labels come from the caller.
 */
import { type Abi, type AbiParameter, type Address, decodeFunctionData, formatUnits, type Hex, isAddress } from "viem";
import { formatBps } from "@portfolio-stake/core/bps";
import { shortAddress } from "@/lib/format";

export interface CallLabels {
  modelLabel: (modelId: string) => string;
  /** A name for a known address ("PortfolioStake contract", "alice"), or undefined. */
  addressLabel: (address: Address) => string | undefined;
}

export interface DescribedArgument {
  label: string;
  /** One line, or one line per entry (e.g. per model). */
  value: string | string[];
}

export interface DescribedCall {
  functionName: string;
  args: DescribedArgument[];
}

const ARGUMENT_LABELS: Record<string, string> = {
  amount: "Amount",
  value: "Amount",
  oldValue: "Current allowance",
  newValue: "New allowance",
  spender: "Spender",
  account: "Account",
  manager: "Manager",
  to: "To",
  from: "From",
  modelIds: "Models",
};
/** uint256 arguments of these names are NMR amounts (18 decimals) in both contracts. */
const NMR_AMOUNTS = new Set(["amount", "value", "oldValue", "newValue"]);
const UNLIMITED = 2n ** 255n;

export function nmrAmountText(wei: bigint): string {
  if (wei >= UNLIMITED) return "unlimited";
  const [whole = "0", fraction] = formatUnits(wei, 18).split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction ? `.${fraction}` : ""} NMR`;
}

function addressText(address: Address, labels: CallLabels): string {
  const name = labels.addressLabel(address);
  return name ? `${name} (${shortAddress(address)})` : address;
}

function valueText(input: AbiParameter, value: unknown, labels: CallLabels): string | string[] {
  if (input.type === "address" && typeof value === "string" && isAddress(value)) return addressText(value, labels);
  if (input.type === "uint256" && typeof value === "bigint" && NMR_AMOUNTS.has(input.name ?? ""))
    return nmrAmountText(value);
  if (input.type === "bytes16[]" && Array.isArray(value)) return value.map((id) => labels.modelLabel(String(id)));
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 77)}…` : value;
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return json.length > 120 ? `${json.slice(0, 117)}…` : json;
}

/** Decodes `data` against the ABIs in turn; undefined when none of them has the function. */
export function describeCall(
  data: Hex | undefined,
  abis: readonly Abi[],
  labels: CallLabels,
): DescribedCall | undefined {
  if (!data || data === "0x") return { functionName: "plain transfer", args: [] };
  for (const abi of abis) {
    let decoded: { functionName: string; args?: readonly unknown[] };
    try {
      decoded = decodeFunctionData({ abi, data });
    } catch {
      continue; // not this contract
    }
    const item = abi.find(
      (entry) =>
        entry.type === "function" &&
        entry.name === decoded.functionName &&
        entry.inputs.length === (decoded.args?.length ?? 0),
    );
    const inputs = item?.type === "function" ? item.inputs : [];
    const values = decoded.args ?? [];
    const args: DescribedArgument[] = [];
    const weightsIndex = inputs.findIndex((input) => input.name === "bps" && input.type === "uint16[]");
    const modelsIndex = inputs.findIndex((input) => input.name === "modelIds");
    for (const [i, input] of inputs.entries()) {
      if (i === modelsIndex && weightsIndex >= 0) continue; // shown with the weights, one line per model
      if (i === weightsIndex && modelsIndex >= 0) {
        const models = values[modelsIndex] as readonly string[];
        const bps = values[weightsIndex] as readonly number[];
        args.push({
          label: "Weights",
          value: models.map((id, j) => `${labels.modelLabel(id)}: ${formatBps(bps[j] ?? 0)}`),
        });
        continue;
      }
      args.push({
        label: ARGUMENT_LABELS[input.name ?? ""] ?? input.name ?? `argument ${i + 1}`,
        value: valueText(input, values[i], labels),
      });
    }
    return { functionName: decoded.functionName, args };
  }
  return undefined;
}
