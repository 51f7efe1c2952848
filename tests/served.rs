//! A running `finsam serve` on 127.0.0.1 for the tests, and a plain HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::workdir::Workdir;

/// The server process, killed if a test fails first. Its output is read all along, so
/// a chatty server never blocks on a full pipe.
pub struct Served {
    child: Child,
    pub address: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer: status, header lines (lower-case names) and body.
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

impl Served {
    /// `finsam serve --data DATA --addr 127.0.0.1:0` and any further arguments.
    pub fn start(wd: &Workdir, data: &str) -> Served {
        Served::start_with(wd, data, "127.0.0.1:0", &[])
    }

    pub fn start_with(wd: &Workdir, data: &str, addr: &str, more: &[&str]) -> Served {
        let mut args = vec!["serve", "--data", data, "--addr", addr];
        args.extend_from_slice(more);
        Served::spawn(wd.command(&args))
    }

    /// A `finsam` command that serves (`serve`, with or without `--config`), as set up.
    pub fn spawn(mut command: std::process::Command) -> Served {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (first_line, first) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let readers = vec![
            drain(out, stdout.clone(), Some(first_line)),
            drain(err, stderr.clone(), None),
        ];
        let line: String = first
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!("the server printed no address: {}", stderr.lock().unwrap())
            });
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Served {
            child,
            address,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// What the server wrote to standard output and standard error so far.
    pub fn output(&self) -> String {
        format!(
            "{}{}",
            self.stdout.lock().unwrap(),
            self.stderr.lock().unwrap()
        )
    }

    /// (status, body) of a GET.
    pub fn get(&self, path: &str) -> (u16, String) {
        let answer = self.request("GET", path, &[], b"");
        (answer.status, answer.body)
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) before it has read the body: a broken pipe is fine.
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP answer: {response:?}"));
        let (headers, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        Answer {
            status,
            headers: headers.to_lowercase(),
            body: body.to_string(),
        }
    }

    /// Sends SIGTERM and returns (exit status success, everything the server wrote).
    pub fn stop(self) -> (bool, String) {
        self.signal("TERM")
    }

    /// Sends SIGKILL: the process dies wherever it is.
    pub fn kill(self) -> String {
        self.signal("KILL").1
    }

    fn signal(mut self, signal: &str) -> (bool, String) {
        Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        (status.success(), self.output())
    }
}

fn drain(
    source: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
    first_line: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if let Some(sender) = &first_line {
                let _ = sender.send(line.clone());
            }
            let mut text = into.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    })
}

/// A client that sends its headers a byte at a time, and never finishes them.
fn slow_client(server: &Served) -> TcpStream {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

#[test]
fn a_client_slow_with_its_headers_is_cut_off_and_holds_no_shutdown() {
    let wd = Workdir::new();
    let server = Served::start_with(&wd, "tom", "127.0.0.1:0", &["--tidsgrans", "1"]);
    let mut stream = slow_client(&server);
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    // Closed by the server (perhaps with a 408 first) once --tidsgrans has passed.
    let _ = stream.read_to_end(&mut answer);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "held {:?}",
        started.elapsed()
    );
    let _still_open = slow_client(&server);
    let started = std::time::Instant::now();
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert!(started.elapsed() < Duration::from_secs(10), "{log}");
}

/// Serves `app` on 127.0.0.1 from a thread of its own, for as long as the test runs
/// (a mimicked outside service, a proxy); its address, `http://127.0.0.1:PORT`.
pub fn in_background(app: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
    });
    address
}
