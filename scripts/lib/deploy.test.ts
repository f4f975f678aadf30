/**
 * Deploy parameters (scripts/lib/deploy.ts): the no-leverage rule checked before anything is sent, the parameters
 * files' bigint strings, and the shipped files and module defaults following Numerai's 2026 rules (R = 64, rates
 * clipped at 100% of the slice), the burn mode a public chain's parameters must state. Pure TypeScript: `node --import tsx --test scripts/lib/deploy.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { BURN_MODES, DEFAULT_PARAMETERS, MAINNET_NMR } from "../../ignition/modules/PortfolioStake";
import { MAINNET_CHAIN_ID, checkExposure, exposureOf, parseParametersFile, resolveBurnMode } from "./deploy";

const DAY = 86_400;
const ROOT = path.join(__dirname, "..", "..");
const readParameters = (file: string) =>
  parseParametersFile(readFileSync(path.join(ROOT, "ignition", "parameters", file), "utf8")).PortfolioStake as Record<
    string,
    unknown
  >;

describe("deploy parameters: exposure", () => {
  it("the defaults are Numerai's 2026 rules: 43 rounds open at once x 1/64 = 67% of a stake", () => {
    assert.equal(DEFAULT_PARAMETERS.sliceDivisor, 64);
    assert.equal(DEFAULT_PARAMETERS.rateCap, 10n ** 18n);
    const p = checkExposure(undefined);
    const { openRounds, perRound, total } = exposureOf(p);
    assert.equal(openRounds, 43n); // (28 + 7 + 7 days) / 1 day + 1
    assert.equal(perRound, 15_625_000_000_000_000n); // ceil(1e18 / 64)
    assert.equal(total, 671_875_000_000_000_000n); // 67.19%
  });

  it("refuses, in words, a combination the constructor would refuse (ExposureTooHigh)", () => {
    // R = 1 with a 5% cap and daily rounds: 43 x 5% = 215% of a stake.
    assert.throws(
      () => checkExposure({ sliceDivisor: 1, rateCap: "50000000000000000n" }, "params.json"),
      /params\.json: up to 43 rounds can be open at once, each risking rateCap \/ sliceDivisor = 5\.00% of a stake: 215\.00% in all, above 100%/,
    );
    // Exactly at the limit is allowed: 2-day rounds, 21 + 7 + 7 days: 18 rounds x 5% = 90%.
    const ok = checkExposure({
      minRoundInterval: 2 * DAY,
      resolutionDelay: 21 * DAY,
      sliceDivisor: 1,
      rateCap: 50_000_000_000_000_000n,
    });
    assert.equal(exposureOf(ok).total, 900_000_000_000_000_000n);
    // Rounding as the contract does: ceil(cap / R) per round. 101 rounds x ceil(0.99e18/100) = 99.99%.
    const edge = checkExposure({
      minRoundInterval: DAY,
      resolutionDelay: 60 * DAY,
      publishWindow: 30 * DAY,
      proofGracePeriod: 10 * DAY,
      sliceDivisor: 100,
      rateCap: "990000000000000000n",
    });
    assert.equal(exposureOf(edge).openRounds, 101n);
    assert.throws(() => checkExposure({ sliceDivisor: 0 }), /must be above zero/);
    assert.throws(() => checkExposure({ rateCap: "5%" }), /rateCap must be a whole number/);
  });
});

describe("deploy parameters: files", () => {
  it('reads "123n" strings as bigints (Ignition\'s convention) and leaves other strings alone', () => {
    const parsed = parseParametersFile('{"M":{"rateCap":"1000000000000000000n","nmr":"0xabc","n":"12"}}');
    assert.deepEqual(parsed.M, { rateCap: 10n ** 18n, nmr: "0xabc", n: "12" });
  });

  for (const file of ["mainnet.json", "testnet.example.json"]) {
    it(`${file} states R = 64 and a cap of 100% of the slice, within the exposure rule`, () => {
      const p = readParameters(file);
      assert.equal(p.sliceDivisor, 64);
      assert.equal(p.rateCap, 10n ** 18n);
      assert.ok(exposureOf(checkExposure(p, file)).total <= 10n ** 18n);
    });
  }
});

describe("deploy parameters: burn mode", () => {
  const SEPOLIA = 11_155_111;
  const OTHER_TOKEN = "0x000000000000000000000000000000000000dEaD";

  it("refuses a parameters file without burnMode, naming the file and the modes", () => {
    for (const parameters of [undefined, {}, { PortfolioStake: { nmr: OTHER_TOKEN } }]) {
      assert.throws(
        () => resolveBurnMode(parameters, SEPOLIA, "params.json"),
        /^Error: params\.json: set PortfolioStake\.burnMode explicitly \(NumeraireMint, ERC20Burn, Sink\)$/,
      );
    }
  });

  it("refuses an unknown mode name or number, and turns a known name into the contract's number", () => {
    for (const burnMode of ["Burn", "numeraireMint", 3, -1, 1.5, null, true]) {
      assert.throws(
        () => resolveBurnMode({ PortfolioStake: { nmr: OTHER_TOKEN, burnMode } }, SEPOLIA, "params.json"),
        new RegExp(
          `params\\.json: burnMode ${JSON.stringify(burnMode)?.replace(/[.]/g, "\\.")} is not one of NumeraireMint, ERC20Burn, Sink`,
        ),
      );
    }
    for (const [name, number] of Object.entries(BURN_MODES)) {
      const byName = { PortfolioStake: { nmr: OTHER_TOKEN, burnMode: name as unknown } };
      resolveBurnMode(byName, SEPOLIA);
      assert.equal(byName.PortfolioStake.burnMode, number);
      const byNumber = { PortfolioStake: { nmr: OTHER_TOKEN, burnMode: number as unknown } };
      resolveBurnMode(byNumber, SEPOLIA);
      assert.equal(byNumber.PortfolioStake.burnMode, number);
    }
  });

  it("refuses ERC20Burn (or Sink) for the real NMR on mainnet, by address in any case or by the default token", () => {
    for (const burnMode of ["ERC20Burn", BURN_MODES.ERC20Burn, "Sink"]) {
      for (const nmr of [MAINNET_NMR, MAINNET_NMR.toLowerCase(), undefined]) {
        const p = { PortfolioStake: { burnMode, ...(nmr === undefined ? {} : { nmr }) } };
        assert.throws(
          () => resolveBurnMode(p, MAINNET_CHAIN_ID, "mainnet.json"),
          /mainnet\.json: the real NMR token burns through mint\(v\): burnMode must be NumeraireMint/,
        );
        assert.equal(p.PortfolioStake.burnMode, burnMode); // nothing resolved
      }
    }
    // Another token on mainnet, or the real NMR's address on another chain, is not the real NMR's case.
    const other = { PortfolioStake: { nmr: OTHER_TOKEN, burnMode: "ERC20Burn" as unknown } };
    resolveBurnMode(other, MAINNET_CHAIN_ID);
    assert.equal(other.PortfolioStake.burnMode, BURN_MODES.ERC20Burn);
    const testnet = { PortfolioStake: { nmr: MAINNET_NMR, burnMode: "ERC20Burn" as unknown } };
    resolveBurnMode(testnet, SEPOLIA);
    assert.equal(testnet.PortfolioStake.burnMode, BURN_MODES.ERC20Burn);
  });

  it("ignition/parameters/mainnet.json resolves to NumeraireMint for the real NMR", () => {
    const file = path.join(ROOT, "ignition", "parameters", "mainnet.json");
    const parameters = parseParametersFile(readFileSync(file, "utf8")) as { PortfolioStake?: Record<string, unknown> };
    assert.equal(String(parameters.PortfolioStake?.nmr).toLowerCase(), MAINNET_NMR.toLowerCase());
    resolveBurnMode(parameters, MAINNET_CHAIN_ID, file);
    assert.equal(parameters.PortfolioStake?.burnMode, BURN_MODES.NumeraireMint);
  });
});
