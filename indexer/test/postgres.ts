/**
 * A throw-away PostgreSQL server for the indexer tests' Postgres mode: Debian's `postgresql` package (installed by
 * .ci/run when missing), a fresh cluster (initdb, trust auth) in a temporary directory, on 127.0.0.1:`port` only,
 * in its own process group; stop() stops it and deletes the cluster. PostgreSQL refuses to run as root, so as root
 * (CI) the server runs as the package's `postgres` user.
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { logTail, waitFor, type ProcessGroups } from "@portfolio-stake/core/devChain";

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin), or PG_BIN_DIR. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const base = "/usr/lib/postgresql";
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length)
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): apt-get install -y postgresql " +
        "(.ci/run does it), or set PG_BIN_DIR",
    );
  return path.join(base, majors[0]!, "bin");
}

/** As root, run as `postgres` (setpriv execs, so the server is the process group's leader, not a wrapper's child). */
function asServerUser(): { prefix: string[]; owner?: { uid: number; gid: number } } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error(
      "running as root, but there is no `postgres` user to run PostgreSQL as (apt-get install postgresql)",
    );
  return {
    prefix: ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"],
    owner: { uid, gid },
  };
}

/** Ponder's own Postgres driver, imported by a name typed `string` so TypeScript does not look for its types. */
const PG: string = "pg";
type PgClient = { connect(): Promise<void>; query(q: string): Promise<unknown>; end(): Promise<void> };
export async function pgClient(connectionString: string): Promise<PgClient> {
  const { default: pg } = (await import(PG)) as {
    default: { Client: new (o: { connectionString: string }) => PgClient };
  };
  const client = new pg.Client({ connectionString });
  await client.connect();
  return client;
}

export interface LocalPostgres {
  /** The superuser's connection string to the `postgres` database. */
  url: string;
  /** Deletes the cluster (call after the process groups are stopped). */
  remove(): void;
}

export async function startPostgres(
  groups: ProcessGroups,
  opts: { port: number; log: string },
): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const { prefix, owner } = asServerUser();
  const dir = mkdtempSync(path.join(tmpdir(), "indexer-test-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const command = (tool: string, args: string[]) =>
    prefix.length
      ? ([prefix[0]!, [...prefix.slice(1), path.join(bin, tool), ...args]] as const)
      : ([path.join(bin, tool), args] as const);
  const [initCmd, initArgs] = command("initdb", [
    "-D",
    dir,
    "-U",
    "postgres",
    "--auth=trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) {
    remove();
    throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  }
  const [cmd, args] = command("postgres", [
    "-D",
    dir,
    "-p",
    String(opts.port),
    "-k",
    dir, // its socket beside its data: no /var/run/postgresql needed
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off", // a throw-away cluster: durability buys nothing here
  ]);
  const server = groups.start("PostgreSQL", cmd, args, { output: opts.log });
  const url = `postgresql://postgres@127.0.0.1:${opts.port}/postgres`;
  try {
    await waitFor(
      `PostgreSQL on 127.0.0.1:${opts.port}`,
      async () => {
        const client = await pgClient(url);
        await client.end();
        return true;
      },
      60_000,
      { process: server, log: opts.log },
    );
  } catch (error) {
    remove();
    throw new Error(`${String(error)}\n${logTail(opts.log)}`, { cause: error });
  }
  return { url, remove };
}
