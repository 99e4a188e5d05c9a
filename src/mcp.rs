//! The MCP client side that `agentgov mcp import` needs (DESIGN §6): a server started over stdio,
//! the `initialize` handshake, `notifications/initialized`, and every page of `tools/list`.
//!
//! Messages are newline-delimited JSON-RPC 2.0 (the MCP stdio transport). A reader thread turns
//! the server's standard output into lines on a channel so that every wait has a deadline; its
//! standard error is kept (the last few KiB) for the error message. The child is always killed
//! and reaped, whatever happens.

use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The protocol version agentgov asks for, and every version it accepts in the answer.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
pub const SUPPORTED_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// How much of the server's standard error an error message shows.
const STDERR_TAIL: usize = 2048;
/// The longest line accepted from a server (a tools/list page of a large server is well below).
const MAX_LINE: usize = 16 << 20;
/// Most pages of `tools/list` followed (a server that always answers with a cursor loops).
const MAX_PAGES: usize = 1000;

/// What the server said about itself, and its tools.
#[derive(Debug)]
pub struct Listing {
    pub server_name: Option<String>,
    /// Every tool of every page, as the server sent it.
    pub tools: Vec<Value>,
}

/// A server that runs until dropped (then killed and reaped).
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Result<String, String>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    next_id: u64,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        // Give a well-behaved server a moment to exit on end of input, then stop it.
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(command: &[String]) -> Result<Server, String> {
        let (program, args) = command
            .split_first()
            .ok_or("no server command: give it after `--`")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{program}`: {e}"))?;
        let stdout = child.stdout.take().expect("piped");
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut k = keep.lock().unwrap_or_else(|e| e.into_inner());
                k.extend_from_slice(&buf[..n]);
                let excess = k.len().saturating_sub(STDERR_TAIL);
                k.drain(..excess);
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match reader
                    .by_ref()
                    .take(MAX_LINE as u64 + 1)
                    .read_until(b'\n', &mut line)
                {
                    Ok(0) => break,
                    Ok(_) if line.len() > MAX_LINE => {
                        let _ = tx.send(Err(format!("a line longer than {MAX_LINE} bytes")));
                        break;
                    }
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line).trim().to_string();
                        if !text.is_empty() && tx.send(Ok(text)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        break;
                    }
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Server {
            child,
            stdin,
            lines: rx,
            stderr,
            next_id: 1,
        })
    }

    fn stderr_tail(&self) -> String {
        // The reader thread may still be copying the last bytes.
        std::thread::sleep(Duration::from_millis(50));
        let k = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&k).trim().to_string()
    }

    /// An error, with what the server wrote on its standard error.
    fn fail(&mut self, what: String) -> String {
        let tail = self.stderr_tail();
        if tail.is_empty() {
            format!("{what} (the server wrote nothing on its standard error)")
        } else {
            format!("{what}\nthe server's standard error ended with:\n{tail}")
        }
    }

    fn send(&mut self, msg: &Value) -> Result<(), String> {
        let mut text = msg.to_string();
        text.push('\n');
        let ok = self
            .stdin
            .as_mut()
            .is_some_and(|s| s.write_all(text.as_bytes()).and_then(|_| s.flush()).is_ok());
        if ok {
            Ok(())
        } else {
            let status = self.exit_status();
            Err(self.fail(format!("cannot write to the server: it {status}")))
        }
    }

    fn exit_status(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(s)) => format!("exited ({s})"),
            _ => "closed its input".to_string(),
        }
    }

    /// Sends a request and waits for its answer until `deadline`, answering the server's own
    /// requests with "method not found" and skipping its notifications.
    fn request(&mut self, method: &str, params: Value, deadline: Instant) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.lines.recv_timeout(left) {
                Ok(Ok(line)) => line,
                Ok(Err(e)) => {
                    return Err(self.fail(format!(
                        "cannot read the server's answer to `{method}`: {e}"
                    )))
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(self.fail(format!(
                        "the server did not answer `{method}` in time (see `--timeout`)"
                    )))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // Wait briefly for the exit status.
                    std::thread::sleep(Duration::from_millis(100));
                    let status = self.exit_status();
                    return Err(
                        self.fail(format!("the server {status} before answering `{method}`"))
                    );
                }
            };
            let msg: Value = match serde_json::from_str(&line) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    let shown: String = line.chars().take(200).collect();
                    return Err(self.fail(format!(
                        "the server answered something that is not JSON-RPC: `{shown}`"
                    )));
                }
            };
            if msg.get("method").is_some() {
                if let Some(req_id) = msg.get("id") {
                    // A request from the server (e.g. `roots/list`): we offer no such capability.
                    let answer = json!({ "jsonrpc": "2.0", "id": req_id, "error": { "code": -32601, "message": "method not found" } });
                    self.send(&answer)?;
                }
                continue;
            }
            if msg.get("id") != Some(&json!(id)) {
                continue; // an answer to something else
            }
            if let Some(err) = msg.get("error") {
                let text = err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message");
                return Err(self.fail(format!(
                    "the server answered `{method}` with an error: {text}"
                )));
            }
            return match msg.get("result") {
                Some(r @ Value::Object(_)) => Ok(r.clone()),
                _ => Err(self.fail(format!(
                    "the server's answer to `{method}` has no result object"
                ))),
            };
        }
    }
}

/// Starts the server, lists its tools, and stops it.
pub fn list_tools(command: &[String], timeout: Duration) -> Result<Listing, String> {
    let deadline = Instant::now() + timeout;
    let mut server = Server::start(command)?;
    let init = server.request(
        "initialize",
        json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": { "name": "agentgov", "version": env!("CARGO_PKG_VERSION") },
        }),
        deadline,
    )?;
    let version = init
        .get("protocolVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
        return Err(server.fail(format!(
            "the server speaks MCP protocol version `{version}`; agentgov speaks {}",
            SUPPORTED_VERSIONS.map(|v| format!("`{v}`")).join(", ")
        )));
    }
    if init.pointer("/capabilities/tools").is_none() {
        return Err(server.fail("the server offers no tools (no `tools` capability)".into()));
    }
    let server_name = init
        .pointer("/serverInfo/name")
        .and_then(Value::as_str)
        .map(String::from);
    server.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))?;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let page = server.request("tools/list", params, deadline)?;
        match page.get("tools") {
            Some(Value::Array(list)) => tools.extend(list.iter().cloned()),
            _ => {
                return Err(
                    server.fail("the server's `tools/list` result has no `tools` list".into())
                )
            }
        }
        cursor = page
            .get("nextCursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(String::from);
        if cursor.is_none() {
            return Ok(Listing { server_name, tools });
        }
    }
    Err(server.fail(format!(
        "`tools/list` went on for more than {MAX_PAGES} pages"
    )))
}

/// The snapshot (DESIGN §6): `{"tools": [...]}` with each tool's name, title, description,
/// `inputSchema` and `annotations`, tools by name, every object's keys sorted, so that the same
/// server gives the same bytes. Tools without a string name are an error.
pub fn snapshot(tools: &[Value]) -> Result<Value, String> {
    let mut kept = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for t in tools {
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            return Err("a tool without a `name`".into());
        };
        if !names.insert(name.to_string()) {
            return Err(format!("the tool `{name}` is listed twice"));
        }
        let mut m = Map::new();
        for key in ["name", "title", "description", "inputSchema", "annotations"] {
            if let Some(v) = t.get(key) {
                m.insert(key.to_string(), v.clone());
            }
        }
        if !m.contains_key("inputSchema") {
            m.insert("inputSchema".into(), json!({ "type": "object" }));
        }
        kept.push(sorted(Value::Object(m)));
    }
    kept.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Ok(json!({ "tools": kept }))
}

/// A value with every object's keys in order.
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

/// A tool's annotation, with the MCP specification's default when the server gives none.
pub fn hint(tool: &Value, name: &str) -> bool {
    tool.pointer(&format!("/annotations/{name}"))
        .and_then(Value::as_bool)
        .unwrap_or(match name {
            "readOnlyHint" | "idempotentHint" => false,
            _ => true, // destructiveHint, openWorldHint
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_are_sorted_and_keep_what_the_format_reads() {
        let s = snapshot(&[
            json!({ "name": "b", "inputSchema": { "type": "object", "properties": { "z": {}, "a": {} } }, "outputSchema": {}, "_meta": {} }),
            json!({ "name": "a", "annotations": { "readOnlyHint": true } }),
        ])
        .expect("snapshot");
        assert_eq!(s["tools"][0]["name"], "a");
        assert_eq!(s["tools"][0]["inputSchema"], json!({ "type": "object" }));
        let b = &s["tools"][1];
        assert!(b.get("outputSchema").is_none() && b.get("_meta").is_none());
        let keys: Vec<&String> = b["inputSchema"]["properties"]
            .as_object()
            .expect("map")
            .keys()
            .collect();
        assert_eq!(keys, ["a", "z"]);
        assert!(snapshot(&[json!({ "name": "a" }), json!({ "name": "a" })]).is_err());
        assert!(snapshot(&[json!({ "title": "x" })]).is_err());
    }

    #[test]
    fn hints_default_as_the_specification_says() {
        let t = json!({ "name": "t" });
        assert!(!hint(&t, "readOnlyHint"));
        assert!(hint(&t, "destructiveHint"));
        assert!(hint(&t, "openWorldHint"));
        assert!(!hint(&t, "idempotentHint"));
        assert!(hint(
            &json!({ "annotations": { "readOnlyHint": true } }),
            "readOnlyHint"
        ));
    }
}
