//! Unit tests of the fetch logic against a scripted IAM endpoint on loopback: pagination,
//! boundary-only policies, access advisor polling, a failing page. (The end-to-end tests
//! against moto are in the workspace's `tests/fetch_moto.rs`.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;

/// One request the fake endpoint received: the form parameters of its body.
type Params = HashMap<String, String>;
type Handler = Arc<dyn Fn(&Params) -> (u16, String) + Send + Sync>;

/// Serves `handler` over HTTP/1.1 on a loopback port; returns the endpoint URL and the log
/// of requests.
async fn fake_endpoint(handler: Handler) -> (String, Arc<Mutex<Vec<Params>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = Arc::clone(&handler);
            let log = Arc::clone(&log2);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let params: Params = String::from_utf8_lossy(&body)
                        .split('&')
                        .filter_map(|pair| pair.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.replace("%3A", ":").replace("%2F", "/")))
                        .collect();
                    let (status, body) = handler(&params);
                    log.lock().unwrap().push(params);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if write.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, log)
}

fn ok(action: &str, result: &str) -> (u16, String) {
    (
        200,
        format!(
            "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

fn error(status: u16, code: &str) -> (u16, String) {
    (
        status,
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>scripted {code}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        ),
    )
}

/// Answers what every fetch needs: the caller identity and empty credential listings.
fn common(params: &Params) -> Option<(u16, String)> {
    Some(match params.get("Action")?.as_str() {
        "GetCallerIdentity" => ok(
            "GetCallerIdentity",
            "<Arn>arn:aws:iam::123456789012:user/t</Arn><UserId>AIDA</UserId><Account>123456789012</Account>",
        ),
        "GetLoginProfile" => error(404, "NoSuchEntity"),
        "ListMFADevices" => ok(
            "ListMFADevices",
            "<MFADevices/><IsTruncated>false</IsTruncated>",
        ),
        "ListAccessKeys" => ok(
            "ListAccessKeys",
            "<AccessKeyMetadata/><IsTruncated>false</IsTruncated>",
        ),
        _ => return None,
    })
}

const DOC: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";

fn user(name: &str) -> String {
    format!(
        "<member><UserName>{name}</UserName><UserId>AIDA{name}</UserId><Path>/</Path><Arn>arn:aws:iam::123456789012:user/{name}</Arn><CreateDate>2026-01-02T03:04:05Z</CreateDate><UserPolicyList><member><PolicyName>inline</PolicyName><PolicyDocument>{DOC}</PolicyDocument></member></UserPolicyList></member>"
    )
}

async fn run(
    handler: Handler,
    max_attempts: u32,
    options: FetchOptions,
) -> (Snapshot, Vec<Params>) {
    let (url, log) = fake_endpoint(handler).await;
    let aws = AwsOptions {
        endpoint_url: Some(url),
        region: Some("us-east-1".into()),
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        credentials: Some(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        )),
        ..AwsOptions::default()
    };
    let config = load_sdk_config(&aws).await;
    let recorder = Recorder::with_output(false, true);
    let snapshot = fetch_account(&config, &options, &recorder).await.unwrap();
    let log = log.lock().unwrap().clone();
    (snapshot, log)
}

#[tokio::test]
async fn follows_markers_and_fetches_boundary_only_policies() {
    let handler: Handler = Arc::new(|p: &Params| {
        if let Some(answer) = common(p) {
            return answer;
        }
        match (p["Action"].as_str(), p.get("Marker").map(String::as_str)) {
            ("GetAccountAuthorizationDetails", None) => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "{}<RoleDetailList><member><RoleName>r</RoleName><Arn>arn:aws:iam::123456789012:role/r</Arn><AssumeRolePolicyDocument>{DOC}</AssumeRolePolicyDocument><PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>arn:aws:iam::aws:policy/PowerUserAccess</PermissionsBoundaryArn></PermissionsBoundary></member></RoleDetailList><IsTruncated>true</IsTruncated><Marker>page-2</Marker>",
                    format_args!("<UserDetailList>{}</UserDetailList>", user("u1"))
                ),
            ),
            ("GetAccountAuthorizationDetails", Some("page-2")) => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "<UserDetailList>{}</UserDetailList><Policies><member><Arn>arn:aws:iam::123456789012:policy/local</Arn><DefaultVersionId>v2</DefaultVersionId><PolicyVersionList><member><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion><Document>{DOC}</Document></member><member><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion><Document>{DOC}</Document></member></PolicyVersionList></member></Policies><IsTruncated>false</IsTruncated>",
                    user("u2")
                ),
            ),
            ("GetPolicy", _) => ok(
                "GetPolicy",
                "<Policy><PolicyName>PowerUserAccess</PolicyName><Arn>arn:aws:iam::aws:policy/PowerUserAccess</Arn><DefaultVersionId>v9</DefaultVersionId><AttachmentCount>0</AttachmentCount><PermissionsBoundaryUsageCount>1</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable></Policy>",
            ),
            ("GetPolicyVersion", _) => ok(
                "GetPolicyVersion",
                &format!(
                    "<PolicyVersion><Document>{DOC}</Document><VersionId>v9</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>"
                ),
            ),
            _ => error(400, "InvalidAction"),
        }
    });
    let (snapshot, log) = run(handler, 1, FetchOptions::default()).await;
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    let names: Vec<_> = snapshot
        .users
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(names, ["u1", "u2"]);
    assert_eq!(
        snapshot.users[0].create_date.as_deref(),
        Some("2026-01-02T03:04:05Z")
    );
    assert_eq!(
        snapshot.users[0].user_policy_list[0]
            .policy_document
            .value()["Version"],
        "2012-10-17"
    );
    let gaad: Vec<_> = log
        .iter()
        .filter(|p| p["Action"] == "GetAccountAuthorizationDetails")
        .collect();
    assert_eq!(gaad.len(), 2);
    assert_eq!(gaad[1].get("Marker").map(String::as_str), Some("page-2"));
    let boundary = snapshot
        .policy("arn:aws:iam::aws:policy/PowerUserAccess")
        .unwrap();
    assert_eq!(
        boundary.default_version().unwrap().version_id.as_deref(),
        Some("v9")
    );
    assert!(boundary.default_version().unwrap().document.is_some());
    let local = snapshot
        .policy("arn:aws:iam::123456789012:policy/local")
        .unwrap();
    assert_eq!(local.name(), "local");
    assert_eq!(local.policy_version_list.len(), 2);
    assert_eq!(snapshot.credential_signals.len(), 2);
    assert_eq!(
        snapshot.credential_signals[0].has_login_profile,
        Some(false)
    );
    assert_eq!(snapshot.credential_signals[0].access_keys, Some(vec![]));
    let meta = snapshot.meta.unwrap();
    assert_eq!(meta.account_id.as_deref(), Some("123456789012"));
    assert_eq!(meta.partition.as_deref(), Some("aws"));
}

#[tokio::test]
async fn a_failing_page_keeps_the_pages_before() {
    let handler: Handler = Arc::new(|p: &Params| {
        if let Some(answer) = common(p) {
            return answer;
        }
        match (p["Action"].as_str(), p.get("Marker")) {
            ("GetAccountAuthorizationDetails", None) => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "<UserDetailList>{}</UserDetailList><IsTruncated>true</IsTruncated><Marker>m</Marker>",
                    user("kept")
                ),
            ),
            _ => error(500, "ServiceFailure"),
        }
    });
    let (snapshot, log) = run(handler, 2, FetchOptions::default()).await;
    assert_eq!(snapshot.users.len(), 1);
    assert_eq!(snapshot.errors.len(), 1, "{:?}", snapshot.errors);
    let error = &snapshot.errors[0];
    assert_eq!(error.api, "GetAccountAuthorizationDetails");
    assert_eq!(error.permission, "iam:GetAccountAuthorizationDetails");
    assert_eq!(error.kind, overreach_snapshot::FetchErrorKind::Failed);
    assert!(
        error.message.contains("ServiceFailure"),
        "{}",
        error.message
    );
    // Two attempts at the failing page (max attempts 2).
    let pages = log.iter().filter(|p| p.get("Marker").is_some()).count();
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn polls_access_advisor_until_complete() {
    let polls = Arc::new(Mutex::new(0));
    let handler: Handler = Arc::new(move |p: &Params| {
        if let Some(answer) = common(p) {
            return answer;
        }
        match p["Action"].as_str() {
            "GetAccountAuthorizationDetails" => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "<UserDetailList>{}</UserDetailList><IsTruncated>false</IsTruncated>",
                    user("u")
                ),
            ),
            "GenerateServiceLastAccessedDetails" => {
                assert_eq!(p["Granularity"], "ACTION_LEVEL");
                ok("GenerateServiceLastAccessedDetails", "<JobId>job-1</JobId>")
            }
            "GetServiceLastAccessedDetails" => {
                let mut polls = polls.lock().unwrap();
                *polls += 1;
                let status = if *polls < 3 {
                    "IN_PROGRESS"
                } else {
                    "COMPLETED"
                };
                ok(
                    "GetServiceLastAccessedDetails",
                    &format!(
                        "<JobStatus>{status}</JobStatus><JobType>ACTION_LEVEL</JobType><JobCreationDate>2026-01-01T00:00:00Z</JobCreationDate><JobCompletionDate>2026-01-01T00:00:01Z</JobCompletionDate><IsTruncated>false</IsTruncated><ServicesLastAccessed><member><ServiceName>Amazon S3</ServiceName><ServiceNamespace>s3</ServiceNamespace><LastAuthenticated>2026-01-01T00:00:00Z</LastAuthenticated><TotalAuthenticatedEntities>1</TotalAuthenticatedEntities><TrackedActionsLastAccessed><member><ActionName>GetObject</ActionName><LastAccessedTime>2026-01-01T00:00:00Z</LastAccessedTime><LastAccessedRegion>us-east-1</LastAccessedRegion></member></TrackedActionsLastAccessed></member><member><ServiceName>AWS IAM</ServiceName><ServiceNamespace>iam</ServiceNamespace><TotalAuthenticatedEntities>0</TotalAuthenticatedEntities></member></ServicesLastAccessed>"
                    ),
                )
            }
            _ => error(400, "InvalidAction"),
        }
    });
    let options = FetchOptions {
        last_accessed: true,
        poll: PollConfig {
            interval: Duration::from_millis(5),
            timeout: Duration::from_secs(10),
        },
        ..FetchOptions::default()
    };
    let (snapshot, _) = run(handler, 1, options).await;
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    let user = &snapshot.last_accessed[0];
    assert_eq!(user.arn, "arn:aws:iam::123456789012:user/u");
    assert_eq!(user.services.len(), 2);
    assert_eq!(user.services[0].service_namespace, "s3");
    assert_eq!(user.services[0].actions[0].action_name, "GetObject");
    assert_eq!(user.services[1].last_authenticated, None);
}

#[tokio::test]
async fn unknown_credentials_are_an_error_not_a_partial_snapshot() {
    let handler: Handler = Arc::new(|_: &Params| error(403, "InvalidClientTokenId"));
    let (url, _) = fake_endpoint(handler).await;
    let aws = AwsOptions {
        endpoint_url: Some(url),
        max_attempts: 1,
        credentials: Some(Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        )),
        ..AwsOptions::default()
    };
    let config = load_sdk_config(&aws).await;
    let err = fetch_account(
        &config,
        &FetchOptions::default(),
        &Recorder::with_output(false, true),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("could not authenticate"), "{err}");
    assert!(err.to_string().contains("InvalidClientTokenId"), "{err}");
}

/// Regression: a listing whose API answered "truncated" with a marker it had already
/// returned looped forever (GAAD caught only A→A, the per-user listings nothing at all).
#[tokio::test]
async fn a_repeated_pagination_marker_stops_the_listing_with_an_error() {
    let handler: Handler = Arc::new(|p: &Params| {
        let marker = p.get("Marker").map(String::as_str);
        let user_name = p.get("UserName").map(String::as_str);
        match (p["Action"].as_str(), marker, user_name) {
            // A cycle A→B→A: the users of the first two pages are kept.
            ("GetAccountAuthorizationDetails", None, _) => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "<UserDetailList>{}</UserDetailList><IsTruncated>true</IsTruncated><Marker>A</Marker>",
                    user("u1")
                ),
            ),
            ("GetAccountAuthorizationDetails", Some("A"), _) => ok(
                "GetAccountAuthorizationDetails",
                &format!(
                    "<UserDetailList>{}</UserDetailList><IsTruncated>true</IsTruncated><Marker>B</Marker>",
                    user("u2")
                ),
            ),
            ("GetAccountAuthorizationDetails", Some(_), _) => ok(
                "GetAccountAuthorizationDetails",
                "<IsTruncated>true</IsTruncated><Marker>A</Marker>",
            ),
            // u1's keys: the same marker twice in a row; the key listed first is kept.
            ("ListAccessKeys", None, Some("u1")) => ok(
                "ListAccessKeys",
                "<AccessKeyMetadata><member><UserName>u1</UserName><AccessKeyId>AKIAFIRSTPAGE</AccessKeyId><Status>Active</Status></member></AccessKeyMetadata><IsTruncated>true</IsTruncated><Marker>K</Marker>",
            ),
            ("ListAccessKeys", Some("K"), Some("u1")) => ok(
                "ListAccessKeys",
                "<AccessKeyMetadata/><IsTruncated>true</IsTruncated><Marker>K</Marker>",
            ),
            ("GetAccessKeyLastUsed", _, _) => ok(
                "GetAccessKeyLastUsed",
                "<UserName>u1</UserName><AccessKeyLastUsed><ServiceName>N/A</ServiceName><Region>N/A</Region></AccessKeyLastUsed>",
            ),
            // u2's MFA devices: always truncated with the same marker; the count is unknown.
            ("ListMFADevices", _, Some("u2")) => ok(
                "ListMFADevices",
                "<MFADevices><member><UserName>u2</UserName><SerialNumber>arn:aws:iam::123456789012:mfa/u2</SerialNumber><EnableDate>2026-01-01T00:00:00Z</EnableDate></member></MFADevices><IsTruncated>true</IsTruncated><Marker>M</Marker>",
            ),
            _ => common(p).unwrap_or_else(|| error(400, "InvalidAction")),
        }
    });
    let (snapshot, log) = tokio::time::timeout(
        Duration::from_secs(30),
        run(handler, 1, FetchOptions::default()),
    )
    .await
    .expect("the fetch loops on a repeated marker");
    let names: Vec<_> = snapshot
        .users
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(names, ["u1", "u2"]);
    let calls = |action: &str| log.iter().filter(|p| p["Action"] == action).count();
    assert_eq!(calls("GetAccountAuthorizationDetails"), 3);
    assert_eq!(calls("ListAccessKeys"), 3, "2 for u1, 1 for u2");
    assert_eq!(calls("ListMFADevices"), 3, "1 for u1, 2 for u2");

    let mut errors: Vec<_> = snapshot
        .errors
        .iter()
        .map(|e| (e.api.as_str(), e.target.as_str(), e.permission.as_str()))
        .collect();
    errors.sort_unstable();
    assert_eq!(
        errors,
        [
            (
                "GetAccountAuthorizationDetails",
                "",
                "iam:GetAccountAuthorizationDetails"
            ),
            (
                "ListAccessKeys",
                "arn:aws:iam::123456789012:user/u1",
                "iam:ListAccessKeys"
            ),
            (
                "ListMFADevices",
                "arn:aws:iam::123456789012:user/u2",
                "iam:ListMFADevices"
            ),
        ]
    );
    for error in &snapshot.errors {
        assert_eq!(error.kind, overreach_snapshot::FetchErrorKind::Failed);
        assert!(
            error
                .message
                .starts_with("the API returned a pagination marker it had already returned"),
            "{}",
            error.message
        );
    }
    let signals = |name: &str| {
        snapshot
            .credential_signals
            .iter()
            .find(|c| c.user_name == name)
            .unwrap()
    };
    let keys: Vec<_> = signals("u1")
        .access_keys
        .as_ref()
        .unwrap()
        .iter()
        .map(|k| k.access_key_id.as_str())
        .collect();
    assert_eq!(keys, ["AKIAFIRSTPAGE"], "the first page is kept");
    assert!(
        signals("u1").access_keys.as_ref().unwrap()[0]
            .last_used
            .is_some()
    );
    assert_eq!(signals("u1").mfa_devices, Some(0));
    assert_eq!(signals("u2").mfa_devices, None, "incomplete: unknown");
}
