/**
 * The dev-chain harness's process handling and build reuse, with small shell children instead of real servers (the
 * node, deploy, Ponder and next paths run for real in the indexer test, the e2e run and npm start).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createServer } from "node:net";
import {
  APP_BUILD_INPUTS,
  ProcessGroups,
  REPO_ROOT,
  appBuildStamp,
  buildApp,
  portsFromEnv,
  refuseTakenPorts,
  waitFor,
} from "./devChain";

const work = mkdtempSync(path.join(tmpdir(), "dev-chain-test-"));
after(() => rmSync(work, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("REPO_ROOT", () => {
  it("is the repository root, wherever this module lives (the node, Hardhat and Next binaries are found from it)", () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string };
    assert.equal(manifest.name, "portfolio-stake");
  });
});

describe("ProcessGroups", () => {
  it("stop() stops a server and whatever it started (its whole process group)", async () => {
    const groups = new ProcessGroups();
    const pidFile = path.join(work, "grandchild.pid");
    const server = groups.start("server", "sh", ["-c", `sleep 300 & echo $! > ${pidFile}; wait`], {
      output: path.join(work, "server.log"),
    });
    await waitFor("the grandchild's pid", async () => readFileSync(pidFile, "utf8").trim() !== "", 10_000);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(grandchild) && alive(server.pid!));
    await groups.stop(2000);
    await waitFor("the grandchild to be gone", async () => !alive(grandchild), 5000);
    assert.equal(alive(server.pid!), false);
    assert.equal(groups.alive, false);
  });

  it("stop() also stops what a server left behind in its group after it exited itself", async () => {
    const groups = new ProcessGroups(() => {});
    const pidFile = path.join(work, "orphan.pid");
    const leader = groups.start("leader", "sh", ["-c", `(trap "" TERM; sleep 300) & echo $! > ${pidFile}`], {
      output: path.join(work, "leader.log"),
    });
    await waitFor("the leader to exit", async () => leader.exitCode !== null, 10_000);
    const orphan = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(orphan), "the member outlives its leader");
    await groups.stop(500);
    await waitFor("the member to be gone (SIGKILL: it ignores SIGTERM)", async () => !alive(orphan), 5000);
  });

  it("a step that fails rejects with its exit status and the tail of its log", async () => {
    const groups = new ProcessGroups();
    const log = path.join(work, "step.log");
    await assert.rejects(
      groups.run("the failing step", "sh", ["-c", "echo what went wrong; exit 3"], { output: log }),
      /the failing step failed \(exit 3\)\nwhat went wrong/,
    );
    await groups.run("a good step", "sh", ["-c", "exit 0"], { output: log }); // resolves
  });

  it("a server that dies before stop() is reported once, with why; one stopped by stop() is not", async () => {
    const deaths: string[] = [];
    const groups = new ProcessGroups((name, why) => deaths.push(`${name}: ${why}`));
    const log = path.join(work, "dies.log");
    const dying = groups.start("the dying server", "sh", ["-c", "exit 5"], { output: log });
    groups.start("the long server", "sleep", ["300"], { output: log });
    await waitFor("the dying server to exit", async () => dying.exitCode !== null, 5000);
    await new Promise((resolve) => setImmediate(resolve));
    await groups.stop(2000);
    assert.deepEqual(deaths, ["the dying server: exit 5"]);
  });
});

describe("waitFor", () => {
  it("fails at once, with the log, when the awaited server exits (not after the whole timeout)", async () => {
    const groups = new ProcessGroups(() => {});
    const log = path.join(work, "crash.log");
    const child = groups.start("crashing", "sh", ["-c", "echo port already in use; exit 1"], { output: log });
    const started = Date.now();
    await assert.rejects(
      waitFor("the crashing server", async () => false, 60_000, { process: child, log }),
      /the crashing server: the process exited \(exit 1\):\nport already in use/,
    );
    assert.ok(Date.now() - started < 10_000);
  });

  it("times out naming what it waited for", async () => {
    await assert.rejects(
      waitFor("something that never comes", async () => false, 300),
      /timed out after 0.3 s waiting for something that never comes/,
    );
  });
});

describe("ports from the environment", () => {
  const settings = { chain: ["TEST_CHAIN_PORT", 8547], app: ["TEST_APP_PORT", 3100] } as const;

  it("each port is its variable's value, or its default when the variable is not set", () => {
    assert.deepEqual(portsFromEnv(settings, {}), { chain: 8547, app: 3100 });
    assert.deepEqual(portsFromEnv(settings, { TEST_APP_PORT: "3199" }), { chain: 8547, app: 3199 });
  });

  it("refuses a value that is not a port, naming the variable", () => {
    for (const value of ["", "abc", "80.5", "0", "65536"])
      assert.throws(
        () => portsFromEnv(settings, { TEST_CHAIN_PORT: value }),
        new RegExp(`^Error: TEST_CHAIN_PORT=${value} is not a port`),
      );
  });

  it("refuses a port something listens on, naming the variable that moves it", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      await assert.rejects(
        refuseTakenPorts(settings, { TEST_APP_PORT: String(port), TEST_CHAIN_PORT: String(port === 1 ? 2 : 1) }),
        new RegExp(`^Error: port ${port} is in use; set TEST_APP_PORT$`),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await refuseTakenPorts(settings, { TEST_APP_PORT: String(port), TEST_CHAIN_PORT: String(port) }); // free again
  });
});

describe("the app's build reuse", () => {
  const env = { NEXT_PUBLIC_RPC_URL: "http://127.0.0.1:8545", NEXT_PUBLIC_CHAIN_ID: "31337" };

  it("the stamp depends on the baked-in settings (a build for another chain or indexer is not reused)", () => {
    const stamp = appBuildStamp(env);
    assert.match(stamp, /^[0-9a-f]{64}$/);
    assert.equal(appBuildStamp({ ...env }), stamp);
    assert.notEqual(appBuildStamp({ ...env, NEXT_PUBLIC_RPC_URL: "http://127.0.0.1:8571" }), stamp);
    assert.notEqual(appBuildStamp({ ...env, NEXT_PUBLIC_INDEXER_URL: "http://127.0.0.1:42069" }), stamp);
  });

  it("the stamp covers what the build reads (the app, core, the configs, the lockfile), and nothing else", () => {
    const root = path.join(work, "repo");
    const write = (file: string, content: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    };
    const inputs = [
      "app/src/app/page.tsx",
      "app/src/lib/format.ts",
      "app/next.config.ts",
      "app/tsconfig.json",
      "app/package.json",
      "app/.env.production",
      "tsconfig.base.json",
      "packages/core/src/bps.ts",
      "packages/core/src/abi/portfolioStakeAbi.ts",
      "packages/core/package.json",
      "package-lock.json",
    ];
    const others = [
      "scripts/lib/suggest.ts", // the app cannot import scripts/ any more
      "scripts/e2e.ts",
      "deployments/deployedContracts.ts", // read at run time
      ".demo/demo.json",
      "app/e2e/helpers.ts",
      "app/scripts/first-load-js.ts",
      "app/.next-e2e/BUILD_ID",
      "app/node_modules/x/index.js",
      "packages/core/scripts/generate-abi.ts",
      "packages/core/node_modules/x/index.js",
      "indexer/src/accounts.ts",
      "contracts/PortfolioStake.sol",
    ];
    for (const file of [...inputs, ...others]) write(file, `// ${file}\n`);
    const before = appBuildStamp(env, root);
    for (const file of inputs) {
      write(file, `// ${file}, changed\n`);
      assert.notEqual(appBuildStamp(env, root), before, `a change in ${file} is a new build`);
      write(file, `// ${file}\n`);
    }
    assert.equal(appBuildStamp(env, root), before);
    for (const file of others) write(file, `// ${file}, changed\n`);
    write("scripts/lib/new.ts", "// new\n");
    assert.equal(appBuildStamp(env, root), before, "the build is reused");
    write("packages/core/src/new.ts", "// new\n");
    assert.notEqual(appBuildStamp(env, root), before, "a new core module is a new build");
  });

  it("everything the app's sources import is under an input: its own files, core, or an installed package", () => {
    const under = (file: string) =>
      APP_BUILD_INPUTS.some((input) => {
        const rel = path.relative(path.join(REPO_ROOT, input), file);
        return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
      });
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : [],
      );
    const files = sources(path.join(REPO_ROOT, "app", "src"));
    assert.ok(files.length > 20);
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const [, specifier] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"/g)) {
        const spec = specifier!;
        checked++;
        if (spec.startsWith(".") || spec.startsWith("@/")) {
          const target = spec.startsWith("@/")
            ? path.join(REPO_ROOT, "app", "src", spec.slice(2))
            : path.resolve(path.dirname(file), spec);
          assert.ok(under(target), `${path.relative(REPO_ROOT, file)} imports ${spec}, outside the build inputs`);
        } else if (spec.startsWith("@portfolio-stake/")) {
          assert.match(spec, /^@portfolio-stake\/core\//, `${path.relative(REPO_ROOT, file)} imports ${spec}`);
        } else {
          // An installed package: its version is in the lockfile.
          assert.ok(!spec.startsWith("/"), `${path.relative(REPO_ROOT, file)} imports ${spec} by absolute path`);
        }
      }
    }
    assert.ok(checked > 100);
    for (const input of [
      "app/src",
      "app/next.config.ts",
      "app/tsconfig.json",
      "tsconfig.base.json",
      "packages/core/src",
    ])
      assert.ok(existsSync(path.join(REPO_ROOT, input)), `${input} exists`);
    assert.match(
      readFileSync(path.join(REPO_ROOT, "app", "tsconfig.json"), "utf8"),
      /"extends": "\.\.\/tsconfig\.base\.json"/,
    );
  });

  it("a build with the same stamp is reused without running next build", async () => {
    const distDir = `.next-dev-chain-test-${process.pid}`;
    const dist = path.join(REPO_ROOT, "app", distDir);
    mkdirSync(dist, { recursive: true });
    try {
      writeFileSync(path.join(dist, "BUILD_ID"), "test");
      writeFileSync(path.join(dist, "portfolio-stake-build-stamp"), appBuildStamp(env));
      const groups = new ProcessGroups();
      const result = await buildApp(groups, { distDir, env, log: path.join(work, "build.log") });
      assert.equal(result.reused, true);
      assert.throws(() => readFileSync(path.join(work, "build.log")), /ENOENT/, "next build never ran");
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
