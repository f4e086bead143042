//! A fault-injecting HTTP/1.1 proxy in front of moto (loopback only, bounded): it decides per
//! request, by API operation, to forward it or to answer with throttling, a 500, a 403, a
//! delay, a connection reset, or a paginated answer moto would never give (a truncated page
//! whose marker the rule chooses, so a test can make an API repeat a marker).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// One request as the rules see it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The operation: `Action` of a query-protocol body, or the `X-Amz-Target` operation.
    pub action: String,
    /// The form parameters (query protocol), URL-decoded, or the top-level fields of a JSON
    /// body (JSON protocol, e.g. Organizations: `NextToken`, `ParentId`).
    pub params: HashMap<String, String>,
    /// How many requests of this action came before this one.
    pub nth: usize,
    /// The `X-Amz-Security-Token` header: the session token the client signed with.
    #[allow(dead_code, reason = "read by the secrets drill only")]
    pub security_token: Option<String>,
}

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "shared by several test binaries, each constructing only the faults it needs"
)]
pub enum Fault {
    Forward,
    /// HTTP 400 with `<Code>Throttling</Code>`.
    Throttle,
    /// HTTP 500 `ServiceFailure`.
    ServerError,
    /// HTTP 403 `AccessDenied`.
    Deny,
    /// Close the connection with a TCP reset instead of answering.
    Reset,
    /// Forward after this long.
    Delay(Duration),
    /// Forward, then turn moto's answer into a truncated page continuing with this marker
    /// (`IsTruncated` true and `Marker`, or `NextToken` in JSON): the entities are moto's.
    Truncate(&'static str),
    /// Answer (without moto) with an empty truncated page continuing with this marker. Moto
    /// ignores markers, so a later page forwarded to it would repeat the first one's entities.
    EmptyPage(&'static str),
    /// Answer (without moto) HTTP 200 with this XML body.
    Respond(&'static str),
}

pub type Rule = Arc<dyn Fn(&Request) -> Fault + Send + Sync>;

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct Proxy {
    pub port: u16,
    /// (action, fault) of every request, in order.
    pub log: Arc<Mutex<Vec<(String, Fault)>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

const MAX_CONNECTIONS: usize = 64;
const MAX_BODY: usize = 16 << 20;
const MAX_RESPONSE: u64 = 64 << 20;

impl Proxy {
    pub fn start(upstream: u16, rule: Rule) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let state = Arc::new((rule, Arc::clone(&log), counts, upstream));
        runtime.spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    return;
                };
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let _permit = permit;
                    let (rule, log, counts, upstream) = &*state;
                    let _ = serve(stream, rule, log, counts, *upstream).await;
                });
            }
        });
        Proxy {
            port,
            log,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many requests of `action` got `fault`.
    pub fn count(&self, action: &str, fault: Fault) -> usize {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(a, f)| a == action && *f == fault)
            .count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

type Counts = Mutex<HashMap<String, usize>>;

async fn serve(
    stream: TcpStream,
    rule: &Rule,
    log: &Mutex<Vec<(String, Fault)>>,
    counts: &Counts,
    upstream: u16,
) -> std::io::Result<()> {
    let mut client = BufReader::new(stream);
    loop {
        // Request head.
        let mut head = Vec::new();
        let mut length = 0usize;
        let mut target = None;
        let mut security_token = None;
        loop {
            let mut line = String::new();
            if client.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                match name.as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "x-amz-target" => target = value.trim().rsplit('.').next().map(str::to_owned),
                    "x-amz-security-token" => security_token = Some(value.trim().to_owned()),
                    "connection" => continue,
                    _ => {}
                }
            }
            head.push(line);
        }
        if length > MAX_BODY {
            return Ok(());
        }
        let mut body = vec![0; length];
        client.read_exact(&mut body).await?;
        let json = target.is_some();
        let params = if json {
            json_fields(&body)
        } else {
            form(&body)
        };
        let action = target
            .or_else(|| params.get("Action").cloned())
            .unwrap_or_default();
        let nth = {
            let mut counts = counts.lock().unwrap();
            let n = counts.entry(action.clone()).or_default();
            *n += 1;
            *n - 1
        };
        let request = Request {
            action,
            params,
            nth,
            security_token,
        };
        let fault = rule(&request);
        log.lock().unwrap().push((request.action.clone(), fault));
        if std::env::var_os("OVERREACH_PROXY_TRACE").is_some() {
            eprintln!(
                "proxy {:?} {} #{} -> {fault:?}",
                std::time::SystemTime::now(),
                request.action,
                request.nth
            );
        }
        let response = match fault {
            Fault::Reset => {
                client.get_ref().set_zero_linger()?;
                return Ok(());
            }
            Fault::Throttle => error(400, "Throttling", "Rate exceeded"),
            Fault::ServerError => error(500, "ServiceFailure", "injected server error"),
            Fault::Deny => error(
                403,
                "AccessDenied",
                &format!("injected: not authorized to perform iam:{}", request.action),
            ),
            Fault::Delay(delay) => {
                tokio::time::sleep(delay).await;
                forward(upstream, &head, &body).await?
            }
            Fault::Forward => forward(upstream, &head, &body).await?,
            Fault::Truncate(marker) => truncate(
                &forward(upstream, &head, &body).await?,
                &request.action,
                json,
                marker,
            ),
            Fault::EmptyPage(marker) => empty_page(&request.action, json, marker),
            Fault::Respond(body) => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        };
        client.get_mut().write_all(&response).await?;
    }
}

fn error(status: u16, code: &str, message: &str) -> Vec<u8> {
    let body = format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
    );
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request to moto on a fresh connection (`Connection: close`) and returns the
/// whole response, made keep-alive-safe for the client (it is read to EOF, so it is re-framed
/// with its own length only when moto used `Content-Length`, which it always does).
async fn forward(upstream: u16, head: &[String], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream)).await?;
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(body);
    server.write_all(&request).await?;
    let mut response = Vec::new();
    server.take(MAX_RESPONSE).read_to_end(&mut response).await?;
    Ok(response)
}

/// `response` (a whole HTTP response, framed by `Content-Length`) as a truncated page that
/// continues with `marker`.
fn truncate(response: &[u8], action: &str, json: bool, marker: &str) -> Vec<u8> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]);
    let body = String::from_utf8_lossy(&response[split + 4..]);
    let body = if json {
        let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
        value["NextToken"] = marker.into();
        value.to_string()
    } else {
        // IAM's list results have exactly one IsTruncated and at most one Marker, at the top.
        let body = without_element(&body, "IsTruncated");
        let body = without_element(&body, "Marker");
        let close = format!("</{action}Result>");
        assert!(body.contains(&close), "not a {action} result: {body:.200}");
        body.replacen(
            &close,
            &format!("<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>{close}"),
            1,
        )
    };
    let head: String = head
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("content-length:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    format!("{head}Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// An empty page of `action` that says it is truncated and continues with `marker`.
fn empty_page(action: &str, json: bool, marker: &str) -> Vec<u8> {
    let (content_type, body) = if json {
        (
            "application/x-amz-json-1.1",
            serde_json::json!({ "NextToken": marker }).to_string(),
        )
    } else {
        (
            "text/xml",
            format!(
                "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><{action}Result><IsTruncated>true</IsTruncated><Marker>{marker}</Marker></{action}Result><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></{action}Response>"
            ),
        )
    };
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `xml` without its `<name>…</name>` (or `<name/>`) elements.
fn without_element(xml: &str, name: &str) -> String {
    let (open, close, empty) = (
        format!("<{name}>"),
        format!("</{name}>"),
        format!("<{name}/>"),
    );
    let mut out = xml.replace(&empty, "");
    while let Some(start) = out.find(&open) {
        let Some(end) = out[start..].find(&close) else {
            break;
        };
        out.replace_range(start..start + end + close.len(), "");
    }
    out
}

/// The top-level fields of a JSON body as text (strings unquoted).
fn json_fields(body: &[u8]) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) else {
        return HashMap::new();
    };
    fields
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

/// The parameters of an `application/x-www-form-urlencoded` body.
fn form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let text = text.replace('+', " ");
    overreach_policy::decode::percent_decode(&text)
        .map(|s| s.into_owned())
        .unwrap_or(text)
}
