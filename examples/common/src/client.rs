//! A small blocking HTTP/1.1 client over one keep-alive `TcpStream`, for the end-to-end
//! tests and the load generator: plain requests, `Content-Length` or chunked responses,
//! nothing else. Loopback use only.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The longest response body the client reads.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// One response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names in lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, or `Null` when it is empty or not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A keep-alive connection to one server.
pub struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
    /// The last request sent, `Authorization` header included: never in `Debug`.
    request: Vec<u8>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.addr)
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `addr`; connects on first use.
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            conn: None,
            request: Vec::with_capacity(1024),
        }
    }

    /// Sends one request and reads the response. `target` is the path and query, sent as
    /// given (already percent-encoded). A `Content-Length` is added when there is a body.
    ///
    /// A request on a connection the server has closed is retried once on a new one.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<HttpResponse> {
        self.request.clear();
        let r = &mut self.request;
        write!(r, "{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr)?;
        for (name, value) in headers {
            write!(r, "{name}: {value}\r\n")?;
        }
        if let Some(b) = body {
            write!(r, "Content-Length: {}\r\n", b.len())?;
        }
        r.extend_from_slice(b"\r\n");
        if let Some(b) = body {
            r.extend_from_slice(b);
        }
        let reused = self.conn.is_some();
        match self.round_trip(method) {
            Ok(resp) => Ok(resp),
            Err(_) if reused => {
                self.conn = None;
                self.round_trip(method)
            }
            Err(e) => Err(e),
        }
    }

    fn round_trip(&mut self, method: &str) -> io::Result<HttpResponse> {
        let conn = match &mut self.conn {
            Some(c) => c,
            None => {
                let s = TcpStream::connect(self.addr)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(60)))?;
                self.conn.insert(BufReader::with_capacity(64 * 1024, s))
            }
        };
        conn.get_mut().write_all(&self.request)?;
        let result = read_response(conn, method == "HEAD");
        match &result {
            Ok((_, close)) if !*close => {}
            _ => self.conn = None,
        }
        result.map(|(r, _)| r)
    }
}

/// Sends `head` (request line and headers, ending with the blank line) as given on a new
/// connection, sends no body whatever its `Content-Length` says, and reads the response,
/// waiting up to `timeout`: for requests a server must refuse on their headers alone, such
/// as a `Content-Length` over its limit.
pub fn send_head(addr: SocketAddr, head: &[u8], timeout: Duration) -> io::Result<HttpResponse> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    let mut conn = BufReader::new(s);
    conn.get_mut().write_all(head)?;
    read_response(&mut conn, false).map(|(r, _)| r)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

/// Reads one response; the flag says whether the server will close the connection.
fn read_response(
    conn: &mut BufReader<TcpStream>,
    head_only: bool,
) -> io::Result<(HttpResponse, bool)> {
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if conn.read_line(&mut line)? == 0 {
            return Err(bad("connection closed in headers"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').ok_or_else(|| bad("bad header"))?;
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let close = find("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = Vec::new();
    let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
    if !no_body {
        if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
            read_chunked(conn, &mut body)?;
        } else if let Some(len) = find("content-length") {
            let len: usize = len.parse().map_err(|_| bad("bad content-length"))?;
            if len > MAX_BODY {
                return Err(bad("body too large"));
            }
            body.resize(len, 0);
            conn.read_exact(&mut body)?;
        } else {
            conn.take(MAX_BODY as u64).read_to_end(&mut body)?;
            return Ok((
                HttpResponse {
                    status,
                    headers,
                    body,
                },
                true,
            ));
        }
    }
    Ok((
        HttpResponse {
            status,
            headers,
            body,
        },
        close,
    ))
}

fn read_chunked(conn: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                line.clear();
                if conn.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(());
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        conn.read_exact(body.get_mut(start..).ok_or_else(|| bad("chunk"))?)?;
        let mut crlf = [0u8; 2];
        conn.read_exact(&mut crlf)?;
    }
}

/// Percent-encodes `s` for a query string value, with spaces as `%20`.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_last_request_and_its_authorization() {
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        let mut c = Client::new(addr);
        // Nothing listens on the discard port: the request fails after it was written
        // into the buffer the client keeps for the next one.
        let _ = c.request(
            "GET",
            "/scim/v2/Users",
            &[("Authorization", "Bearer scim_secretsecretsecret")],
            None,
        );
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
        assert!(!dbg.contains("115, 101, 99, 114, 101, 116"), "{dbg}"); // b"secret"
    }

    #[test]
    fn encodes_queries() {
        assert_eq!(
            encode_query(r#"userName eq "a+b@x.com""#),
            "userName%20eq%20%22a%2Bb%40x.com%22"
        );
    }
}
