//! One real `wrangler dev` (workerd with local SQLite Durable Objects) per `Edge`, started
//! the way docs/CONTRACT.md describes (`--env demo`, unless a test asks for the production
//! configuration), with its own secrets, persist dir and log file.
//!
//! The process runs in its own process group, so stopping it also stops the workerd it
//! spawned. A shared `Edge` lives in a static whose destructor never runs, so every launch
//! also starts a tiny shell watchdog that takes the group down once the test process is gone.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::http::Call;

/// Set to keep the temp dir (state, env, logs) after the run, for a post-mortem.
const KEEP_ENV: &str = "CHATPAY_KEEP_STATE";
/// Seconds to wait for `GET /healthz`; two shared cores can make a cold start slow.
const START_TIMEOUT_ENV: &str = "CHATPAY_EDGE_START_TIMEOUT";
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(90);

pub struct Edge {
    root: PathBuf,
    dir: PathBuf,
    admin_key: String,
    secrets: Secrets,
    demo: bool,
    port: u16,
    launches: u32,
    wrangler: Option<Child>,
    watchdog: Option<Child>,
    agent: ureq::Agent,
}

/// The Worker's secrets, as `--env-file` gives them to `wrangler dev`. Each is the text of
/// the variable (64 hex digits for the keys); tests may set anything, garbage included.
#[derive(Clone, Debug)]
pub struct Secrets {
    pub admin_key: String,
    pub vault_key: String,
    pub fingerprint_key: String,
    pub id_key: String,
    /// `VAULT_KEY_PREVIOUS`, during a rotation.
    pub vault_key_previous: Option<String>,
    /// Further lines for the env file (`NAME=value`).
    pub extra: Vec<String>,
}

impl Secrets {
    /// Fresh random secrets.
    pub fn random() -> Secrets {
        Secrets {
            admin_key: random_hex(32),
            vault_key: random_hex(32),
            fingerprint_key: random_hex(32),
            id_key: random_hex(32),
            vault_key_previous: None,
            extra: Vec::new(),
        }
    }

    fn env_file(&self) -> String {
        let mut out = format!(
            "PLATFORM_ADMIN_KEY={}\nVAULT_KEY={}\nFINGERPRINT_KEY={}\nID_KEY={}\n",
            self.admin_key, self.vault_key, self.fingerprint_key, self.id_key
        );
        if let Some(previous) = &self.vault_key_previous {
            out += &format!("VAULT_KEY_PREVIOUS={previous}\n");
        }
        // Webhook deliveries reach the tests' own receivers and nothing else (schemathesis
        // creates endpoints with any public URL).
        out += "WEBHOOK_HOSTS_ALLOWED=127.0.0.1,localhost\n";
        for line in &self.extra {
            out += line;
            out.push('\n');
        }
        out
    }
}

/// How to start an edge.
#[derive(Clone, Debug)]
pub struct Setup {
    /// `wrangler dev --env demo` (the demo page and seed), as the demo and the tests run it;
    /// `false` runs the top-level (production) configuration.
    pub demo: bool,
    pub secrets: Secrets,
    /// Wait for `GET /healthz` to answer 200; `false` waits for any HTTP answer (an edge
    /// whose secrets are refused answers 500).
    pub healthy: bool,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            demo: true,
            secrets: Secrets::random(),
            healthy: true,
        }
    }
}

impl Edge {
    /// Starts a fresh edge with fresh secrets and empty state, and waits until it is healthy.
    pub fn start() -> Edge {
        Edge::start_with(Setup::default())
    }

    /// Starts a fresh edge as `setup` says, with empty state.
    pub fn start_with(setup: Setup) -> Edge {
        let root = repo_root();
        for (built, by) in [
            ("node_modules/.bin/wrangler", "npm ci"),
            ("edge/build/worker/shim.mjs", "scripts/build-edge.sh"),
            ("edge/build-demo/worker/shim.mjs", "scripts/build-edge.sh"),
            ("dist/public", "scripts/build-widget.sh"),
        ] {
            assert!(
                root.join(built).exists(),
                "{} is missing: build it first ({by})",
                root.join(built).display()
            );
        }
        let dir = fresh_dir();
        let secrets = setup.secrets;
        fs::write(dir.join("env"), secrets.env_file()).expect("write env file");
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .redirects(0)
            // A fresh connection per call: a pooled one the server has closed would turn a
            // POST into a transport error instead of an answer.
            .max_idle_connections(0)
            .build();
        let mut edge = Edge {
            root,
            dir,
            admin_key: secrets.admin_key.clone(),
            secrets,
            demo: setup.demo,
            port: 0,
            launches: 0,
            wrangler: None,
            watchdog: None,
            agent,
        };
        edge.launch(setup.healthy);
        edge
    }

    /// Stops wrangler and starts it again on the same persist dir and secrets.
    /// The port may change: use `base_url()` afresh afterwards.
    pub fn restart(&mut self) {
        self.stop();
        self.launch(true);
    }

    /// Stops wrangler and starts it again on the same persist dir with other secrets.
    pub fn restart_with(&mut self, secrets: Secrets, healthy: bool) {
        self.stop();
        fs::write(self.dir.join("env"), secrets.env_file()).expect("write env file");
        self.admin_key = secrets.admin_key.clone();
        self.secrets = secrets;
        self.launch(healthy);
    }

    /// The secrets this edge runs with.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// SIGTERM to wrangler, a grace period, then SIGKILL to its whole process group.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.wrangler.take() {
            let pid = child.id();
            signal("TERM", &pid.to_string());
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(100));
            }
            signal("KILL", &format!("-{pid}"));
            let _ = child.wait();
            // workerd is a grandchild: wait until the group is gone so the next launch
            // never shares the SQLite files with a dying process.
            let deadline = Instant::now() + Duration::from_secs(5);
            while group_alive(pid) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(50));
            }
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            signal("KILL", &format!("-{}", watchdog.id()));
            let _ = watchdog.wait();
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// wrangler's `--persist-to` directory: the Durable Objects' SQLite files live here.
    pub fn persist_dir(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// wrangler's stdout and stderr, across every launch of this edge.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("wrangler.log")
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// A request to this edge: `edge.call("GET", "/healthz").send()`.
    pub fn call(&self, method: &str, path: &str) -> Call<'_> {
        Call::new(&self.agent, self.base_url(), method, path)
    }

    fn launch(&mut self, healthy: bool) {
        let (port, inspector_port) = two_free_ports();
        self.launches += 1;
        let log_path = self.log_path();
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open wrangler log");
        writeln!(
            log,
            "=== chatpay-tests: launch {} on port {port} ===",
            self.launches
        )
        .expect("write wrangler log");
        let bin = self.root.join("node_modules/.bin");
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![bin.clone()];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs).expect("PATH")
            }
            None => bin.clone().into_os_string(),
        };
        let port_text = port.to_string();
        let inspector_text = inspector_port.to_string();
        let persist = self.persist_dir();
        let env_file = self.dir.join("env");
        let mut command = Command::new(bin.join("wrangler"));
        command.args(["dev", "--config", "edge/wrangler.toml", "--ip", "127.0.0.1"]);
        if self.demo {
            command.args(["--env", "demo"]);
        }
        let child = command
            .args(["--port", &port_text, "--inspector-port", &inspector_text])
            .arg("--persist-to")
            .arg(&persist)
            .arg("--env-file")
            .arg(&env_file)
            .arg("--show-interactive-dev-session=false")
            .current_dir(&self.root)
            .env("PATH", path)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.join("wrangler").display()));
        self.watchdog = Some(spawn_watchdog(child.id(), &self.dir));
        self.wrangler = Some(child);
        self.port = port;
        self.wait_ready(healthy);
    }

    /// Waits until `/healthz` answers 200 (or, with `healthy` false, anything over HTTP).
    fn wait_ready(&mut self, healthy: bool) {
        let timeout = std::env::var(START_TIMEOUT_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(DEFAULT_START_TIMEOUT, Duration::from_secs);
        let probe = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(3))
            .max_idle_connections(0)
            .build();
        let url = format!("{}/healthz", self.base_url());
        let started = Instant::now();
        loop {
            if let Some(child) = self.wrangler.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "wrangler exited ({status}) before /healthz answered; log tail:\n{}",
                        self.log_tail(60)
                    );
                }
            }
            match probe.get(&url).call() {
                Ok(resp) if resp.status() == 200 => return,
                Err(ureq::Error::Status(_, _)) if !healthy => return,
                _ => {}
            }
            if started.elapsed() > timeout {
                let tail = self.log_tail(60);
                self.stop();
                panic!(
                    "GET {url} did not answer 200 within {timeout:?}; log tail:\n{tail}\n\
                     (set {START_TIMEOUT_ENV}=SECONDS to wait longer)"
                );
            }
            thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.stop();
        if std::env::var_os(KEEP_ENV).is_some() {
            eprintln!("chatpay-tests: kept {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

static SHARED: OnceLock<Result<Edge, String>> = OnceLock::new();
static ACTIVE_TESTS: AtomicUsize = AtomicUsize::new(0);

/// The edge shared by every test of one test binary. Holding the handle marks the calling
/// test as running, which `wait_for_other_tests` relies on.
pub fn shared() -> SharedEdge {
    ACTIVE_TESTS.fetch_add(1, Ordering::SeqCst);
    let handle = SharedEdge(());
    let started = SHARED.get_or_init(|| {
        std::panic::catch_unwind(Edge::start).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_owned())
        })
    });
    if let Err(why) = started {
        panic!("the shared edge failed to start: {why}");
    }
    handle
}

pub struct SharedEdge(());

impl std::ops::Deref for SharedEdge {
    type Target = Edge;
    fn deref(&self) -> &Edge {
        match SHARED.get() {
            Some(Ok(edge)) => edge,
            _ => unreachable!("SharedEdge exists only once the edge started"),
        }
    }
}

impl Drop for SharedEdge {
    fn drop(&mut self) {
        ACTIVE_TESTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits (without asserting anything about time) until the calling test, holding one
/// `SharedEdge`, is the only one left holding the shared edge. libtest starts tests in name
/// order, so a test named `zz_...` that calls this sees the work of all the others.
pub fn wait_for_other_tests() {
    let deadline = Instant::now() + Duration::from_secs(600);
    while ACTIVE_TESTS.load(Ordering::SeqCst) > 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn fresh_dir() -> PathBuf {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "chatpay-tests-{}-{nanos}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    fs::create_dir_all(dir.join("state")).expect("create temp dir");
    dir
}

/// Workers rate limiting (`pay`: 10 calls a minute per request) counts in fixed one-minute
/// windows. A test that needs its calls in one window first waits, if it must (this asserts
/// nothing about time), until the current window has `needed_seconds` left.
pub fn wait_for_a_fresh_minute(needed_seconds: u64) {
    let second = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 60);
    if second + needed_seconds >= 58 {
        thread::sleep(Duration::from_secs(61 - second));
    }
}

/// Waits (asserting nothing about time) until the next one-minute rate-limit window begins.
pub fn wait_for_the_next_minute() {
    let second = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 60);
    thread::sleep(Duration::from_secs(61 - second));
}

/// `bytes` random bytes from the kernel, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Two distinct free loopback ports, both held until both are chosen.
fn two_free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let ports = (
        a.local_addr().expect("addr").port(),
        b.local_addr().expect("addr").port(),
    );
    drop((a, b));
    ports
}

/// `kill -s SIG -- TARGET` (a negative target is a process group). The kill command keeps
/// this crate free of FFI; a target already gone is not an error here.
fn signal(sig: &str, target: &str) {
    let _ = Command::new("kill")
        .args(["-s", sig, "--", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-s", "0", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A shell loop in its own process group: once this test process is gone, it stops
/// wrangler's group and removes the temp dir (unless asked to keep it).
fn spawn_watchdog(wrangler_pid: u32, dir: &Path) -> Child {
    const SCRIPT: &str = r#"
        parent=$1; group=$2; dir=$3; keep=$4
        while kill -0 "$parent" 2>/dev/null; do sleep 1; done
        kill -s TERM "$group" 2>/dev/null
        sleep 2
        kill -s KILL -- "-$group" 2>/dev/null
        [ "$keep" = 1 ] || rm -rf "$dir"
    "#;
    let keep = if std::env::var_os(KEEP_ENV).is_some() {
        "1"
    } else {
        "0"
    };
    Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("chatpay-watchdog")
        .arg(std::process::id().to_string())
        .arg(wrangler_pid.to_string())
        .arg(dir)
        .arg(keep)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn watchdog shell")
}
