// Starts the real `basalt` binary for end-to-end tests: a throw-away project under /tmp with
// free ports and its own Postgres, the keys read from the start-up banner, and a stop() that
// shuts everything down and removes the folder.
//
// The binary is $BASALT_BINARY, else <repo>/build/basalt.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const binary = process.env.BASALT_BINARY || path.resolve(here, '../../../build/basalt');

// Environment variables that would point Basalt at another database, folder, host or secret.
const DROPPED_ENV = ['DATABASE_URL', 'BASALT_DATA_DIR', 'BASALT_HOST', 'BASALT_JWT_SECRET'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function childEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (DROPPED_ENV.includes(k) || k.startsWith('SUPABASE_')) continue;
    env[k] = v;
  }
  env.BASALT_PG_NO_SYNC ??= '1'; // throw-away clusters: skip fsync
  return { ...env, ...extra };
}

function lastLines(text, n) {
  return text.split('\n').slice(-n - 1).join('\n');
}

function valueAfter(text, label) {
  const line = text.split('\n').find((l) => l.includes(label));
  return line ? line.slice(line.indexOf(label) + label.length).trim() : '';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// Children still running when the test process exits get SIGTERM, so they stop their Postgres.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/**
 * Starts Basalt on a new project.
 * @param {object} [options]
 * @param {Record<string,string>} [options.migrations] file name -> SQL, for supabase/migrations/
 * @param {string} [options.seed] supabase/seed.sql
 * @param {Record<string,string>} [options.files] path relative to supabase/ -> text, e.g. a
 *   signing_keys.json that the config names
 * @param {Record<string,string>} [options.env] extra environment
 * @param {string} [options.config] extra config.toml text (appended; e.g. an [auth] table)
 * @param {number} [options.timeoutMs] how long to wait for GET /health (default 60 s)
 * @returns {Promise<{url: string, anonKey: string, serviceRoleKey: string, dir: string,
 *   apiPort: number, dbPort: number, log: () => string, stop: () => Promise<void>}>}
 */
export async function startBasalt(options = {}) {
  if (!fs.existsSync(binary)) {
    throw new Error(`basalt binary not found at ${binary}: build it or set BASALT_BINARY`);
  }
  // /tmp, mode 0755: as root, Basalt runs Postgres as the `postgres` user, who must reach it.
  const dir = fs.mkdtempSync('/tmp/basalt-e2e-');
  fs.chmodSync(dir, 0o755);
  const supabase = path.join(dir, 'supabase');
  fs.mkdirSync(path.join(supabase, 'migrations'), { recursive: true });
  for (const [name, sql] of Object.entries(options.migrations ?? {})) {
    fs.writeFileSync(path.join(supabase, 'migrations', name), sql);
  }
  if (options.seed !== undefined) fs.writeFileSync(path.join(supabase, 'seed.sql'), options.seed);
  for (const [rel, text] of Object.entries(options.files ?? {})) {
    const file = path.resolve(supabase, rel);
    if (!file.startsWith(supabase + path.sep)) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`files: ${rel} is outside supabase/`);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  const logPath = path.join(dir, 'basalt.log');

  let lastError;
  // A port found free can be taken by a parallel test before Basalt binds it: retry then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const apiPort = await freePort();
    let dbPort = await freePort();
    while (dbPort === apiPort) dbPort = await freePort();
    fs.writeFileSync(
      path.join(supabase, 'config.toml'),
      `project_id = "basalt-e2e"\n\n[api]\nport = ${apiPort}\n\n[db]\nport = ${dbPort}\n` +
        `# Debian 12 ships PostgreSQL 15.\nmajor_version = 15\n` +
        (options.config ? `\n${options.config}\n` : ''),
    );
    try {
      return await launch({ dir, logPath, apiPort, dbPort, options });
    } catch (e) {
      lastError = e;
      if (!e.portClash) break;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch({ dir, logPath, apiPort, dbPort, options }) {
  const offset = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(binary, ['start', '--workdir', dir], {
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  running.add(child);
  let exitCode = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      running.delete(child);
      resolve(exitCode);
    });
  });
  const runLog = () => {
    const all = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '';
    return all.slice(offset);
  };
  const url = `http://127.0.0.1:${apiPort}`;

  const stop = async () => {
    if (exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    const problems = [];
    if (exitCode !== 0) problems.push(`basalt exited with code ${exitCode}`);
    // A clean stop removes postmaster.pid; a live pid in it is a leaked Postgres.
    const pidFile = path.join(dir, 'supabase', '.basalt', 'pgdata', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pgPid = parseInt(fs.readFileSync(pidFile, 'utf8'), 10);
      if (pgPid > 0 && processAlive(pgPid)) {
        problems.push(`Postgres (pid ${pgPid}) was still running`);
        try {
          process.kill(pgPid, 'SIGINT');
        } catch {
          // gone meanwhile
        }
        for (let i = 0; i < 150 && processAlive(pgPid); i++) await sleep(100);
      }
    }
    const log = runLog();
    if (process.env.BASALT_KEEP_TEST_DIRS !== '1') {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (problems.length > 0) {
      throw new Error(`${problems.join('; ')}. Log tail:\n${lastLines(log, 30)}`);
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      const log = runLog();
      const err = new Error(
        `basalt start exited with code ${exitCode} before serving. Log tail (${logPath}):\n` +
          lastLines(log, 40),
      );
      err.portClash = log.includes('is in use');
      throw err;
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.status === 200) {
        const log = runLog();
        const anonKey = valueAfter(log, 'anon key: ');
        const serviceRoleKey = valueAfter(log, 'service_role key: ');
        if (anonKey && serviceRoleKey) {
          return { url, anonKey, serviceRoleKey, dir, apiPort, dbPort, log: runLog, stop };
        }
        last = 'GET /health answered 200 but the banner has no keys yet';
      } else {
        last = `GET /health answered ${res.status}`;
      }
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await sleep(100);
  }
  const log = runLog();
  await stop().catch(() => {});
  throw new Error(`basalt did not become ready in time (last: ${last}). Log tail:\n${lastLines(log, 40)}`);
}
