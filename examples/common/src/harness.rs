//! Starts an example server binary as a child process on a free loopback port, for the
//! end-to-end tests and the load generator. The child is killed when the [`Server`] is
//! dropped, also when a test panics.

use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::Client;

/// How long a server may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running example server.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    /// What the child printed, the token it generated included: never in `Debug`.
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("pid", &self.child.id())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts `bin` with `args` plus `--bind 127.0.0.1:<free port>` and waits until it
    /// accepts connections. Logs go to this process's standard error, filtered by
    /// `RUST_LOG` (default `warn` here); standard output is collected (see
    /// [`wait_for_line`](Self::wait_for_line)).
    pub fn start(bin: impl AsRef<Path>, args: &[&str]) -> io::Result<Server> {
        Self::start_logging(bin, args, None)
    }

    /// Like [`start`](Self::start), but with `RUST_LOG` set to `log` and the child's
    /// standard error collected (see [`logs`](Self::logs)) instead of passed through.
    pub fn start_logging(
        bin: impl AsRef<Path>,
        args: &[&str],
        log: Option<&str>,
    ) -> io::Result<Server> {
        let mut last = io::Error::other("not started");
        // The free port is found by binding and releasing it, so another process can take
        // it in between: retry on a fresh port when the child exits early.
        for _ in 0..5 {
            match Self::try_start(bin.as_ref(), args, log) {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn try_start(bin: &Path, args: &[&str], capture: Option<&str>) -> io::Result<Server> {
        let addr = free_port()?;
        let log = match capture {
            Some(l) => l.to_owned(),
            None => std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        };
        let mut child = Command::new(bin)
            .args(args)
            .arg("--bind")
            .arg(addr.to_string())
            .env("RUST_LOG", log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if capture.is_some() {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()?;
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            collect_lines(out, Arc::clone(&stdout));
        }
        if let Some(err) = child.stderr.take() {
            collect_lines(err, Arc::clone(&stderr));
        }
        let server = Server {
            child,
            addr,
            stdout,
            stderr,
        };
        server.wait_until_listening()
    }

    fn wait_until_listening(mut self) -> io::Result<Server> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!("server exited early: {status}")));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                // Listening; the start-up message is printed right after binding.
                self.wait_for_line("listening on", START_TIMEOUT)?;
                return Ok(self);
            }
            if Instant::now() > deadline {
                return Err(io::Error::other("server did not start listening in time"));
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new keep-alive client for this server.
    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }

    /// The first line of standard output containing `needle`, waiting up to `timeout`.
    pub fn wait_for_line(&self, needle: &str, timeout: Duration) -> io::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self
                .stdout
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find(|l| l.contains(needle))
            {
                return Ok(l.clone());
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "no output line containing '{needle}'"
                )));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The standard error lines collected so far (only with
    /// [`start_logging`](Self::start_logging)).
    pub fn logs(&self) -> Vec<String> {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sends SIGTERM (via `kill`) and waits for the child to exit, up to `timeout`;
    /// `Ok(true)` if it exited successfully.
    pub fn terminate(&mut self, timeout: Duration) -> io::Result<bool> {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.success());
            }
            if Instant::now() > deadline {
                return Ok(false);
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drains `pipe` into `lines` for the child's whole life, so it never blocks on a full pipe.
fn collect_lines(pipe: impl io::Read + Send + 'static, lines: Arc<Mutex<Vec<String>>>) {
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
    });
}

/// A loopback address with a port that was free a moment ago.
pub fn free_port() -> io::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    l.local_addr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_collected_output() {
        let token = "scim_printedonceprintedonceprintedonce";
        let server = Server {
            child: Command::new("true").spawn().unwrap(),
            addr: free_port().unwrap(),
            stdout: Arc::new(Mutex::new(vec![format!("  Bearer token:  {token}")])),
            stderr: Arc::new(Mutex::new(Vec::new())),
        };
        let dbg = format!("{server:?}");
        assert!(!dbg.contains(token), "{dbg}");
        assert!(dbg.contains(&server.addr().to_string()), "{dbg}");
    }
}
